"""Sign-up, email verification and sign-in through HTTP, as a person meets them."""

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.selectors import user_is_member
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"


def _sign_up(client, email="rhian@conwy.gov.uk", **overrides):
    data = {
        "full_name": "Rhian Pritchard",
        "job_title": "Chief Digital Officer",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def _confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_verify_email_and_get_member_prices(client, mailoutbox):
    conwy = OrganisationFactory(name="Conwy County Borough Council", domains=["conwy.gov.uk"])

    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="rhian@conwy.gov.uk")
    assert user.full_name == "Rhian Pritchard"
    assert user.job_title == "Chief Digital Officer"
    assert user.organisation == conwy
    # Not a member until the address is proven.
    assert not user_is_member(user=user)
    assert [m.to for m in mailoutbox] == [["rhian@conwy.gov.uk"]]

    link = _confirmation_link(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    # GET shows the page only; confirming is a POST.
    assert not EmailAddress.objects.get(email="rhian@conwy.gov.uk").verified

    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="rhian@conwy.gov.uk").verified
    assert user_is_member(user=user)
    # Confirming signs the person in.
    assert client.get("/accounts/profile/").status_code == 200


def test_unverified_account_cannot_sign_in(client, mailoutbox):
    _sign_up(client)
    client.logout()
    mailoutbox.clear()

    response = client.post(
        "/accounts/login/", {"login": "rhian@conwy.gov.uk", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/accounts/profile/").status_code == 302


def test_sign_up_with_bad_input_shows_errors_and_creates_nothing(client, mailoutbox):
    response = _sign_up(client, email="not-an-email", full_name="", password2="different")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Enter your full name" in content
    assert "<title>Error:" in content
    assert not User.objects.exists()
    assert mailoutbox == []


def test_sign_up_with_taken_email_makes_no_second_account_and_reveals_nothing(client, mailoutbox):
    UserFactory(email="rhian@conwy.gov.uk")

    response = _sign_up(client, email="RHIAN@conwy.gov.uk")

    # The same answer as for a new address, so that nobody can probe for
    # accounts; the owner is told by email instead.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email__iexact="rhian@conwy.gov.uk").count() == 1
    assert [m.to for m in mailoutbox] == [["rhian@conwy.gov.uk"]]
    assert "already" in mailoutbox[0].body.lower()


def test_sign_in_and_out(client):
    UserFactory(email="dafydd@example.org", password=PASSWORD)

    response = client.post(
        "/accounts/login/", {"login": "dafydd@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200

    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302


def test_wrong_password_is_refused_and_rate_limited(client):
    UserFactory(email="dafydd@example.org", password=PASSWORD)

    statuses = [
        client.post(
            "/accounts/login/", {"login": "dafydd@example.org", "password": "wrong"}
        ).status_code
        for _ in range(6)
    ]

    # allauth's login_failed limit: 5 tries per 5 minutes for one account,
    # after which even the right password is turned away for a while.
    assert statuses[:5] == [200] * 5
    response = client.post(
        "/accounts/login/", {"login": "dafydd@example.org", "password": PASSWORD}
    )
    assert client.get("/accounts/profile/").status_code == 302
    assert response.status_code in (200, 429)


def test_password_reset_sends_a_working_link(client, mailoutbox):
    UserFactory(email="dafydd@example.org", password=PASSWORD)

    response = client.post("/accounts/password/reset/", {"email": "dafydd@example.org"})

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["dafydd@example.org"]]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mailoutbox[0].body)
    assert link
    response = client.get(link.group(1), follow=True)
    new = "another-long-passphrase"
    response = client.post(response.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.status_code == 302
    assert User.objects.get(email="dafydd@example.org").check_password(new)


def test_profile_update(client):
    org = OrganisationFactory(name="Derby City Council")
    user = UserFactory(email="dafydd@example.org", password=PASSWORD)
    client.force_login(user)

    response = client.post(
        "/accounts/profile/",
        {"full_name": "Dafydd Jones", "job_title": "CIO", "organisation": org.pk, "phone": ""},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.job_title, user.organisation) == ("Dafydd Jones", "CIO", org)
    assert "Your details have been saved" in client.get("/accounts/profile/").content.decode()


def test_profile_rejects_bad_phone_and_changes_nothing(client):
    user = UserFactory(email="dafydd@example.org", full_name="Dafydd", password=PASSWORD)
    client.force_login(user)

    response = client.post(
        "/accounts/profile/", {"full_name": "Changed", "job_title": "", "phone": "call me"}
    )

    assert response.status_code == 200
    assert "Enter a phone number" in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Dafydd"


def test_browsing_is_public_and_profile_asks_for_login(client):
    assert client.get("/").status_code == 200
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
