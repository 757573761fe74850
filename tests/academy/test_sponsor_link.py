"""The sponsor's emailed link: read the application and support or decline it, with no
account. A tampered, expired, replaced or already-used link changes nothing."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from academy.models import Application
from academy.services.applications import sponsor_link_resend, sponsor_link_token
from tests.academy.factories import ApplicationFactory, CohortFactory, ModuleFactory
from tests.academy.pages import visible_text as _text
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://academy.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.ACADEMY_SPONSOR_LINK_DAYS = 14


@pytest.fixture
def application():
    """Waiting for its sponsor; the applicant works for a member organisation."""
    OrganisationFactory(name="Leeds City Council", domains=["leeds.gov.uk"])
    applicant = UserFactory(email="ada.okafor@leeds.gov.uk", full_name="Ada Okafor")
    cohort = CohortFactory(
        name="2030 Spring, Manchester",
        starts_on=datetime.date(2030, 3, 4),
        ends_on=datetime.date(2030, 7, 1),
        modules=0,
    )
    london = timezone.get_default_timezone()
    for number, month in enumerate([3, 5, 7], start=1):
        start = datetime.datetime(2030, month, 1 if month == 7 else 4, 9, 30, tzinfo=london)
        ModuleFactory(
            cohort=cohort,
            title=f"Module {number}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=7),
        )
    return ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        full_name="Ada Okafor",
        role="Head of Digital Services",
        organisation="Leeds City Council",
        motivation="To lead our council's move to common platforms.\n\nAnd to learn from peers.",
        access_needs="A quiet room for breaks.",
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
        sponsor_name="Priya Shah",
        sponsor_email="priya.shah@leeds.gov.uk",
        sponsor_link_nonce="a1b2c3d4e5f60718",
    )


def _url(token: str) -> str:
    return reverse("academy:sponsor", args=[token])


def _snapshot(application) -> dict:
    return model_to_dict(Application.objects.get(pk=application.pk))


@pytest.fixture
def answer(client, django_capture_on_commit_callbacks):
    """POST an answer and run what the service queues on commit (the emails)."""

    def answer(token, supported="yes", comment=""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_url(token), {"supported": supported, "comment": comment})

    return answer


def _assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# --- reading the application ----------------------------------------------------------


def test_sponsor_sees_the_application_without_signing_in(client, application):
    response = client.get(_url(sponsor_link_token(application)))

    assert response.status_code == 200
    text = _text(response)
    for expected in [
        "Do you support Ada Okafor’s application?",
        "Applicant Ada Okafor",
        "Job title Head of Digital Services",
        "Organisation Leeds City Council",
        "Time in role 1 to 3 years",
        f"Programme {application.cohort.programme.title}",
        "Cohort 2030 Spring, Manchester, 4 March to 1 July 2030",
        "Ada Okafor would attend 3 modules",
        "Module 1 Monday 4 March 2030 9:30am to 4:30pm",
        "Module 2 Saturday 4 May 2030 9:30am to 4:30pm",
        "Module 3 Monday 1 July 2030 9:30am to 4:30pm",
        "To lead our council's move to common platforms.",
        "And to learn from peers.",
        # The member price, as the applicant's organisation is a member.
        "Fee for your organisation £1,800.00 plus VAT (£2,160.00 including VAT at 20%)",
        "Yes, I support this application",
        "No, I do not support it",
        "Comment (optional)",
    ]:
        assert expected in text, expected
    # The applicant's access needs are theirs, not the sponsor's business.
    assert "A quiet room" not in text
    _assert_private(response)


def test_getting_the_page_changes_nothing(client, application, mailoutbox):
    before = _snapshot(application)

    for _ in range(2):
        assert client.get(_url(sponsor_link_token(application))).status_code == 200

    assert _snapshot(application) == before
    assert mailoutbox == []


# --- answering ------------------------------------------------------------------------


def test_sponsor_supports_the_application(answer, application, mailoutbox):
    response = answer(sponsor_link_token(application), "yes", "  Ada leads our platform work.  ")

    assert response.status_code == 200
    text = _text(response)
    assert "Answer sent" in text
    assert "You support Ada Okafor’s application" in text
    assert "The programme team will now review the application" in text
    _assert_private(response)
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW
    assert application.sponsor_decision == Application.SponsorDecision.SUPPORTED
    assert application.sponsor_comment == "Ada leads our platform work."
    assert application.sponsor_decided_at is not None
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            ["ada.okafor@leeds.gov.uk"],
            f"Your sponsor supports your application: {application.cohort.programme.title}",
        )
    ]


def test_sponsor_declines_the_application(answer, application, mailoutbox):
    response = answer(sponsor_link_token(application), "no", "Not this year: budget.")

    assert response.status_code == 200
    assert "You do not support Ada Okafor’s application" in _text(response)
    application.refresh_from_db()
    assert application.state == Application.State.SPONSOR_DECLINED
    assert application.sponsor_decision == Application.SponsorDecision.DECLINED
    assert [m.to for m in mailoutbox] == [["ada.okafor@leeds.gov.uk"]]
    assert "Not this year: budget." in mailoutbox[0].body


def test_an_answer_is_required(answer, application, mailoutbox):
    before = _snapshot(application)

    response = answer(sponsor_link_token(application), supported="")

    assert response.status_code == 400
    text = _text(response)
    assert text.startswith("Error:")
    assert "There is a problem Select whether you support this application" in text
    assert 'href="#id_supported_0"' in response.content.decode()
    assert _snapshot(application) == before
    assert mailoutbox == []


def test_a_too_long_comment_is_refused(answer, application):
    before = _snapshot(application)

    response = answer(sponsor_link_token(application), "yes", "x" * 2001)

    assert response.status_code == 400
    assert "Comment must be 2,000 characters or fewer" in _text(response)
    assert _snapshot(application) == before


# --- links that do nothing ----------------------------------------------------------------


def _tampered(token: str) -> str:
    """Change one character in the middle of the signature."""
    index = len(token) - 10
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def test_a_tampered_link_is_not_valid_and_changes_nothing(client, answer, application, mailoutbox):
    token = _tampered(sponsor_link_token(application))
    before = _snapshot(application)

    page = client.get(_url(token))
    posted = answer(token, "yes")

    for response in (page, posted):
        assert response.status_code == 400
        text = _text(response)
        assert "This link is not valid" in text
        assert "Nothing has been recorded." in text
        assert "Ada Okafor" not in text
        _assert_private(response)
    assert _snapshot(application) == before
    assert mailoutbox == []


def test_a_link_with_a_changed_application_id_is_not_valid(client, answer, application):
    other = ApplicationFactory(
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    token = sponsor_link_token(application)
    forged = token.replace(f"{application.pk}.", f"{other.pk}.", 1)
    before = _snapshot(other)

    response = answer(forged, "yes")

    assert response.status_code == 400
    assert _snapshot(other) == before


def test_an_expired_link_changes_nothing(client, answer, application, mailoutbox):
    token = sponsor_link_token(application, issued_at=timezone.now() - datetime.timedelta(days=15))
    before = _snapshot(application)

    page = client.get(_url(token))
    posted = answer(token, "yes")

    for response in (page, posted):
        assert response.status_code == 410
        text = _text(response)
        assert "This link has expired" in text
        assert "Ask the applicant to send you a new one." in text
        _assert_private(response)
    assert _snapshot(application) == before
    assert mailoutbox == []


def test_a_link_13_days_old_still_works(answer, application):
    token = sponsor_link_token(application, issued_at=timezone.now() - datetime.timedelta(days=13))

    assert answer(token, "yes").status_code == 200
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_a_replaced_link_changes_nothing(client, answer, application, mailoutbox):
    old_token = sponsor_link_token(application)
    sponsor_link_resend(application=application)
    application.refresh_from_db()
    before = _snapshot(application)

    page = client.get(_url(old_token))
    posted = answer(old_token, "yes")

    for response in (page, posted):
        assert response.status_code == 400
        assert "This link has been replaced by a newer one." in _text(response)
    assert _snapshot(application) == before
    assert mailoutbox == []
    # The new link works.
    assert answer(sponsor_link_token(application), "yes").status_code == 200


def test_a_second_answer_changes_nothing(client, answer, application, mailoutbox):
    token = sponsor_link_token(application)
    answer(token, "yes", "Happy to support.")
    after_first = _snapshot(application)
    mailoutbox.clear()

    response = answer(token, "no", "Changed my mind.")

    assert response.status_code == 409
    text = _text(response)
    assert "You have already answered" in text
    assert "You said you support Ada Okafor’s application" in text
    assert "Happy to support." in text
    assert "Nothing has changed" in text
    _assert_private(response)
    assert _snapshot(application) == after_first
    assert mailoutbox == []


def test_opening_the_link_after_answering_shows_the_answer(client, answer, application):
    token = sponsor_link_token(application)
    answer(token, "no")

    response = client.get(_url(token))

    assert response.status_code == 200
    assert "You said you do not support Ada Okafor’s application" in _text(response)
    assert "<form" not in response.content.decode()


def test_a_withdrawn_application_needs_no_answer(client, answer, application, mailoutbox):
    Application.objects.filter(pk=application.pk).update(state=Application.State.WITHDRAWN)
    token = sponsor_link_token(application)
    before = _snapshot(application)

    page = client.get(_url(token))
    posted = answer(token, "yes")

    assert page.status_code == 200
    assert posted.status_code == 409
    for response in (page, posted):
        text = _text(response)
        assert "This application is not waiting for your answer" in text
        assert "is withdrawn" in text
    assert _snapshot(application) == before
    assert mailoutbox == []


def test_the_form_posts_without_a_csrf_cookie_and_with_a_null_origin(application):
    """`Referrer-Policy: no-referrer` makes browsers send `Origin: null` with the POST;
    the signed token, not a cookie, is what authorises the answer."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _url(sponsor_link_token(application)), {"supported": "yes"}, HTTP_ORIGIN="null"
    )

    assert response.status_code == 200
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW
