"""My academy and the application page over HTTP: what the applicant sees at each step,
withdrawing, and asking the sponsor again. Nobody else's application is visible."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.exceptions import InvalidSponsorLink
from academy.models import Application, Attendance, Certificate
from academy.selectors import places_left
from academy.services.applications import sponsor_link_application, sponsor_link_token
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
)
from tests.academy.pages import visible_text as _visible
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://academy.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def sam():
    return UserFactory(email="sam.jones@leeds.gov.uk", full_name="Sam Jones")


@pytest.fixture
def programme():
    return ProgrammeFactory(title="Aspiring Digital Leaders", slug="aspiring-digital-leaders")


def _in_days(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


# --- my academy -----------------------------------------------------------------------------


def test_my_academy_needs_signing_in(client):
    response = client.get(reverse("academy:my"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_empty_my_academy_points_to_the_programmes(client, sam):
    client.force_login(sam)

    response = client.get(reverse("academy:my"))

    assert response.status_code == 200
    assert "You have not applied for a leadership programme yet." in _visible(response)
    assert f'href="{reverse("academy:home")}"' in _text(response)


def test_my_academy_lists_applications_with_their_state_and_next_step(client, sam, programme):
    waiting = ApplicationFactory(
        applicant=sam,
        cohort=CohortFactory(programme=programme, name="2027 Spring"),
        state=Application.State.AWAITING_SPONSOR,
        sponsor_name="Priya Shah",
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    offered = ApplicationFactory(
        applicant=sam,
        cohort=CohortFactory(name="2027 Autumn, Leeds"),
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.make_aware(datetime.datetime(2030, 3, 9, 17, 0)),
    )
    ApplicationFactory(
        applicant=sam, state=Application.State.REJECTED, decision_reason="Too few places."
    )
    ApplicationFactory(state=Application.State.UNDER_REVIEW)  # someone else's
    client.force_login(sam)

    response = client.get(reverse("academy:my"))

    text = _visible(response)
    page = _text(response)
    assert "Aspiring Digital Leaders" in text
    assert "2027 Spring" in text
    assert "Waiting for Priya Shah to support it" in text
    assert '<strong class="govuk-tag govuk-tag--yellow">Waiting for sponsor</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--turquoise">Accepted</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--red">Not successful</strong>' in page
    assert "Confirm your place on" in text and "by 9 March 2030" in text
    assert reverse("academy:enrol", args=[offered.pk]) in page
    assert reverse("academy:application", args=[waiting.pk]) in page
    assert page.count('class="govuk-table__row"') == 1 + 3


def test_my_academy_shows_enrolments_with_progress_and_certificate(client, sam):
    enrolment = EnrolmentFactory(application__applicant=sam)
    modules = list(enrolment.cohort.modules.order_by("starts_at"))
    for module in modules[:3]:
        AttendanceFactory(module=module, enrolment=enrolment)
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        delegate_name="Sam Jones",
        programme_title=enrolment.cohort.programme.title,
        cohort_name=enrolment.cohort.name,
        modules_attended=3,
        modules_total=4,
        completed_on=timezone.localdate(),
        issued_at=timezone.now(),
    )
    client.force_login(sam)

    response = client.get(reverse("academy:my"))

    text = _visible(response)
    assert "3 of 4 modules attended" in text
    assert "Confirmed" in text
    assert reverse("academy:certificate_pdf", args=[certificate.code]) in _text(response)
    assert f"Verification code {certificate.code}" in text
    assert reverse("academy:enrolment", args=[enrolment.pk]) in _text(response)
    # The enrolled application links to the place.
    assert "View your place" in text


# --- the application page -----------------------------------------------------------------


def test_application_page_is_only_for_its_applicant(client, sam):
    application = ApplicationFactory(applicant=sam)
    url = reverse("academy:application", args=[application.pk])

    assert client.get(url).status_code == 302  # to sign in

    client.force_login(UserFactory())
    for name in ("application", "application_withdraw", "enrol"):
        assert client.get(reverse(f"academy:{name}", args=[application.pk])).status_code == 404
    assert (
        client.post(reverse("academy:application_withdraw", args=[application.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("academy:application_resend_sponsor", args=[application.pk])
        ).status_code
        == 404
    )
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_application_page_shows_the_answers(client, sam):
    application = ApplicationFactory(
        applicant=sam,
        full_name="Sam Jones",
        role="Head of Digital Services",
        organisation="Leeds City Council",
        time_in_role=Application.TimeInRole.THREE_TO_5,
        sponsor_name="Priya Shah",
        sponsor_email="priya.shah@leeds.gov.uk",
        motivation="To lead change.\n\nAnd to learn from peers.",
        access_needs="A hearing loop",
    )
    client.force_login(sam)

    response = client.get(application.get_absolute_url())

    text = _visible(response)
    for answer in (
        "Sam Jones",
        "sam.jones@leeds.gov.uk",
        "Head of Digital Services",
        "Leeds City Council",
        "3 to 5 years",
        "Priya Shah",
        "priya.shah@leeds.gov.uk",
        "To lead change.",
        "And to learn from peers.",
        "A hearing loop",
    ):
        assert answer in text
    assert "Under review" in text
    assert "The programme team is reviewing your application." in text
    assert "Priya Shah supported your application" in text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "state": Application.State.AWAITING_SPONSOR,
                "sponsor_decision": Application.SponsorDecision.PENDING,
                "sponsor_emailed_at": timezone.make_aware(datetime.datetime(2030, 1, 5, 10, 15)),
            },
            [
                "We emailed Priya Shah at priya@example.net at 10:15am on Saturday 5 January "
                "2030 to ask them to support your application.",
                "Send the request again",
                "Withdraw your application",
            ],
        ),
        (
            {
                "state": Application.State.SPONSOR_DECLINED,
                "sponsor_decision": Application.SponsorDecision.DECLINED,
            },
            ["Priya Shah did not support your application", "Apply again for"],
        ),
        (
            {
                "state": Application.State.ACCEPTED,
                "offer_expires_at": timezone.make_aware(datetime.datetime(2030, 3, 9, 17, 0)),
            },
            [
                "You have been offered a place.",
                "Confirm your place by 5:00pm on Saturday 9 March 2030",
                "Withdraw your application",
            ],
        ),
        (
            {"state": Application.State.WAITING_LIST, "waiting_since": timezone.now()},
            ["You are on the waiting list.", "Withdraw your application"],
        ),
        (
            {
                "state": Application.State.REJECTED,
                "decision_reason": "We had many strong applications from your region.",
            },
            [
                "Your application was not successful",
                "We had many strong applications from your region.",
                "Apply again for",
            ],
        ),
        (
            {
                "state": Application.State.LAPSED,
                "offer_expires_at": timezone.make_aware(datetime.datetime(2026, 3, 9, 17, 0)),
            },
            ["The offer of a place lapsed at 5:00pm on Monday 9 March 2026"],
        ),
        (
            {"state": Application.State.WITHDRAWN},
            ["This application was withdrawn.", "Apply again for"],
        ),
    ],
)
def test_application_page_says_what_happens_next(client, sam, fields, expected):
    application = ApplicationFactory(
        applicant=sam, sponsor_name="Priya Shah", sponsor_email="priya@example.net", **fields
    )
    client.force_login(sam)

    response = client.get(application.get_absolute_url())

    text = _visible(response)
    for sentence in expected:
        assert sentence in text
    can_withdraw = application.state in Application.OPEN_STATES
    assert ("Withdraw your application" in text) is can_withdraw
    assert ("Send the request again" in text) is (
        application.state == Application.State.AWAITING_SPONSOR
    )


def test_enrolled_application_links_to_the_place(client, sam):
    enrolment = EnrolmentFactory(application__applicant=sam)
    client.force_login(sam)

    response = client.get(enrolment.application.get_absolute_url())

    assert "You have a place on this cohort." in _visible(response)
    assert reverse("academy:enrolment", args=[enrolment.pk]) in _text(response)
    assert "Withdraw your application" not in _visible(response)


def test_get_never_changes_anything(client, sam):
    application = ApplicationFactory(
        applicant=sam,
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    client.force_login(sam)
    before = Application.objects.values().get(pk=application.pk)

    for name in ("application", "application_withdraw", "enrol"):
        client.get(reverse(f"academy:{name}", args=[application.pk]))
    response = client.get(reverse("academy:application_resend_sponsor", args=[application.pk]))

    assert response.status_code == 405
    assert Application.objects.values().get(pk=application.pk) == before


# --- withdrawing ----------------------------------------------------------------------------


def test_withdraw_asks_first_then_withdraws(client, sam, mailoutbox, committed):
    application = ApplicationFactory(applicant=sam)
    client.force_login(sam)
    url = reverse("academy:application_withdraw", args=[application.pk])

    page = client.get(url)

    assert "Are you sure you want to withdraw your application?" in _visible(page)
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW

    with committed():
        response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == application.get_absolute_url()
    application.refresh_from_db()
    assert application.state == Application.State.WITHDRAWN
    text = _visible(client.get(response["Location"]))
    assert "You have withdrawn your application" in text
    assert "This application was withdrawn." in text
    assert [message.to for message in mailoutbox] == [["sam.jones@leeds.gov.uk"]]


def test_withdrawing_an_offer_frees_the_place_for_the_waiting_list(
    client, sam, mailoutbox, committed
):
    cohort = CohortFactory(capacity=1)
    offered = ApplicationFactory(
        cohort=cohort,
        applicant=sam,
        state=Application.State.ACCEPTED,
        offer_expires_at=_in_days(5),
    )
    next_in_line = ApplicationFactory(
        cohort=cohort,
        state=Application.State.WAITING_LIST,
        waiting_since=timezone.now() - datetime.timedelta(days=2),
    )
    assert places_left(cohort=cohort) == 0
    client.force_login(sam)

    page = client.get(reverse("academy:application_withdraw", args=[offered.pk]))
    assert "The place you have been offered will go to the next person" in _visible(page)
    with committed():
        client.post(reverse("academy:application_withdraw", args=[offered.pk]))

    offered.refresh_from_db()
    next_in_line.refresh_from_db()
    assert offered.state == Application.State.WITHDRAWN
    assert next_in_line.state == Application.State.ACCEPTED
    assert places_left(cohort=cohort) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted([sam.email, next_in_line.email])


def test_an_enrolled_application_cannot_be_withdrawn(client, sam):
    enrolment = EnrolmentFactory(application__applicant=sam)
    application = enrolment.application
    client.force_login(sam)
    url = reverse("academy:application_withdraw", args=[application.pk])

    page = client.get(url)
    assert "You cannot withdraw this application" in _visible(page)
    assert "Yes, withdraw" not in _visible(page)

    response = client.post(url)

    assert response.status_code == 409
    assert "This application cannot be withdrawn: it is enrolled." in _visible(response)
    application.refresh_from_db()
    assert application.state == Application.State.ENROLLED


# --- asking the sponsor again ---------------------------------------------------------------


def _sponsor_links(mailoutbox, sponsor_email) -> list[str]:
    return [
        re.search(r"/academy/sponsor/([^/\s]+)/", message.body).group(1)
        for message in mailoutbox
        if message.to == [sponsor_email]
    ]


def test_sending_the_request_again_replaces_the_link(client, sam, mailoutbox, committed):
    client.force_login(sam)
    cohort = CohortFactory()
    with committed():
        client.post(
            reverse("academy:apply", args=[cohort.programme.slug, cohort.slug]),
            {
                "full_name": "Sam Jones",
                "role": "Head of Digital Services",
                "organisation": "Leeds City Council",
                "time_in_role": "under_1",
                "sponsor_name": "Priya Shah",
                "sponsor_email": "priya.shah@leeds.gov.uk",
                "motivation": "To learn.",
                "consent": "on",
            },
        )
    application = Application.objects.get()
    old_token = sponsor_link_token(application)
    assert sponsor_link_application(old_token) == application

    # At once, the sponsor is not emailed again...
    with committed():
        response = client.post(
            reverse("academy:application_resend_sponsor", args=[application.pk])
        )
    assert response.status_code == 409
    assert "a few minutes ago" in _visible(response)
    assert len(_sponsor_links(mailoutbox, "priya.shah@leeds.gov.uk")) == 1

    # ...but ten minutes later they are.
    Application.objects.filter(pk=application.pk).update(
        sponsor_emailed_at=application.sponsor_emailed_at - datetime.timedelta(minutes=11)
    )
    with committed():
        response = client.post(
            reverse("academy:application_resend_sponsor", args=[application.pk])
        )

    assert response.status_code == 302
    assert response["Location"] == application.get_absolute_url()
    text = _visible(client.get(response["Location"]))
    assert "We have emailed Priya Shah a new link at priya.shah@leeds.gov.uk." in text
    assert "The link in the earlier email no longer works." in text
    with pytest.raises(InvalidSponsorLink):
        sponsor_link_application(old_token)
    application.refresh_from_db()
    assert sponsor_link_application(sponsor_link_token(application)) == application
    first, second = _sponsor_links(mailoutbox, "priya.shah@leeds.gov.uk")
    assert first != second
    with pytest.raises(InvalidSponsorLink):
        sponsor_link_application(first)
    assert sponsor_link_application(second) == application


def test_request_cannot_be_sent_again_once_the_sponsor_has_answered(
    client, sam, mailoutbox, committed
):
    application = ApplicationFactory(applicant=sam)  # the sponsor supported it
    client.force_login(sam)

    with committed():
        response = client.post(
            reverse("academy:application_resend_sponsor", args=[application.pk])
        )

    assert response.status_code == 409
    assert "There is a problem" in _visible(response)
    assert "This application is not waiting for a sponsor's answer." in _visible(response)
    application.refresh_from_db()
    assert application.sponsor_link_nonce == "0123456789abcdef"
    assert mailoutbox == []


def test_absent_and_not_recorded_modules_do_not_count(client, sam):
    """Progress on My academy counts only the modules marked present."""
    enrolment = EnrolmentFactory(
        application__applicant=sam,
        application__cohort=CohortFactory(
            programme=ProgrammeFactory(completion_rule="at_least", minimum_modules=3)
        ),
    )
    first, second, *_ = enrolment.cohort.modules.order_by("starts_at")
    AttendanceFactory(module=first, enrolment=enrolment)
    AttendanceFactory(module=second, enrolment=enrolment, status=Attendance.Status.ABSENT)
    client.force_login(sam)

    text = _visible(client.get(reverse("academy:my")))

    assert "1 of 4 modules attended (3 needed to complete)" in text
