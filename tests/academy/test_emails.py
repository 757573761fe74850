"""The academy's emails, read as their recipients would read them: who gets each one,
what it says happened and what happens next, and where its links go."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from academy import notifications
from academy.models import Application, Certificate, Programme
from academy.services.applications import sponsor_link_application
from tests.academy.factories import (
    ApplicationFactory,
    CohortFactory,
    EnrolmentFactory,
    ModuleFactory,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SITE_URL = "https://academy.digital-leaders.example"
PROGRAMME = "Leading Digital Transformation"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.DEFAULT_FROM_EMAIL = "academy@digital-leaders.example"
    settings.ACADEMY_SPONSOR_LINK_DAYS = 14


@pytest.fixture
def application():
    applicant = UserFactory(email="ada.okafor@leeds.gov.uk", full_name="Ada Okafor")
    cohort = CohortFactory(
        programme__title=PROGRAMME,
        name="2030 Spring, Manchester",
        starts_on=datetime.date(2030, 3, 4),
        ends_on=datetime.date(2030, 7, 1),
        modules=0,
    )
    ModuleFactory(
        cohort=cohort,
        title="Leading through change",
        starts_at=datetime.datetime(2030, 3, 4, 9, 30, tzinfo=LONDON),
        ends_at=datetime.datetime(2030, 3, 4, 16, 30, tzinfo=LONDON),
    )
    ModuleFactory(
        cohort=cohort,
        title="Strategy with your board",
        starts_at=datetime.datetime(2030, 5, 6, 12, tzinfo=LONDON),
        ends_at=datetime.datetime(2030, 5, 6, 17, tzinfo=LONDON),
        venue="Leeds Civic Hall",
    )
    return ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        full_name="Ada Okafor",
        role="Head of Digital Services",
        organisation="Leeds City Council",
        sponsor_name="Priya Shah",
        sponsor_email="priya.shah@leeds.gov.uk",
    )


def _set(application, **fields) -> Application:
    Application.objects.filter(pk=application.pk).update(**fields)
    application.refresh_from_db()
    return application


def _send(application, kind):
    assert notifications.application_email_send(application_id=application.pk, kind=kind) == 1
    (message,) = mail.outbox
    return message


def _html(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def _html_text(message) -> str:
    """The HTML part's text: inline tags dropped, block tags read as spaces."""
    html = re.sub(r"</?(strong|a|b|em|span)\b[^>]*>", "", _html(message))
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _application_url(application) -> str:
    return SITE_URL + reverse("academy:application", args=[application.pk])


def _assert_both_parts(message, *sentences):
    """Each sentence is in the text part and, tags removed, in the HTML part."""
    body = " ".join(message.body.split())
    html = _html_text(message)
    for sentence in sentences:
        assert sentence in body, sentence
        assert sentence in html, sentence


# --- to the applicant, at each step of the application -----------------------------------


def test_submitted_waiting_for_the_sponsor(application):
    _set(
        application,
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )

    message = _send(application, "submitted")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.from_email == "academy@digital-leaders.example"
    assert message.subject == f"We have your application: {PROGRAMME}"
    _assert_both_parts(
        message,
        "Dear Ada Okafor,",
        f"Thank you for applying for a place on {PROGRAMME}, 2030 Spring, Manchester.",
        "We have emailed your sponsor, Priya Shah (priya.shah@leeds.gov.uk), to ask them "
        "to support your application.",
        "the programme team will review your application and email you their decision",
        "Dates: 4 March to 1 July 2030",
    )
    assert _application_url(application) in message.body
    assert f'href="{_application_url(application)}"' in _html(message)


def test_submitted_without_a_sponsor(application):
    _set(application, sponsor_decision=Application.SponsorDecision.NOT_NEEDED)

    message = _send(application, "submitted")

    _assert_both_parts(
        message, "The programme team will review your application and email you their decision."
    )
    assert "sponsor" not in message.body.lower()


def test_sponsor_request_goes_to_the_sponsor_with_a_working_link(application):
    _set(
        application,
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )

    message = _send(application, "sponsor_request")

    assert message.to == ["priya.shah@leeds.gov.uk"]
    assert message.reply_to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Do you support Ada Okafor’s application for {PROGRAMME}?"
    _assert_both_parts(
        message,
        "Dear Priya Shah,",
        f"Ada Okafor (Head of Digital Services, Leeds City Council) has applied for a place "
        f"on the {PROGRAMME} leadership programme and named you as their line manager or "
        "sponsor.",
        "Please tell us whether you support their application.",
        "the time away from work for every module (2 modules), and the fee",
        "You do not need an account",
        "The link works for 14 days.",
    )
    (url,) = re.findall(rf"{re.escape(SITE_URL)}/academy/sponsor/\S+/", message.body)
    assert f'href="{url}"' in _html(message)
    token = url.rsplit("/", 2)[-2]
    assert sponsor_link_application(token) == application


def test_sponsor_supported_with_their_comment(application):
    _set(application, sponsor_comment="Ada leads our platform work.")

    message = _send(application, "sponsor_supported")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your sponsor supports your application: {PROGRAMME}"
    _assert_both_parts(
        message,
        f"Priya Shah supports your application for {PROGRAMME}, 2030 Spring, Manchester.",
        "Ada leads our platform work.",
        "The programme team will now review your application and email you their decision.",
    )


def test_sponsor_declined(application):
    _set(
        application,
        state=Application.State.SPONSOR_DECLINED,
        sponsor_decision=Application.SponsorDecision.DECLINED,
    )

    message = _send(application, "sponsor_declined")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your sponsor did not support your application: {PROGRAMME}"
    _assert_both_parts(
        message,
        "Priya Shah has said they do not support your application",
        "Your application will not go to the programme team.",
        "You can apply again",
    )
    assert "Their comment" not in message.body


def test_accepted_says_until_when_the_place_is_held(application):
    _set(
        application,
        state=Application.State.ACCEPTED,
        offer_expires_at=datetime.datetime(2030, 1, 3, 17, tzinfo=LONDON),
    )

    message = _send(application, "accepted")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"You have been offered a place: {PROGRAMME}"
    _assert_both_parts(
        message,
        f"You have been offered a place on {PROGRAMME}, 2030 Spring, Manchester.",
        "We are holding your place until 5pm on 3 January 2030.",
        "To keep it, confirm your place and pay by then, by card or by invoice with a "
        "purchase order",
        "If you do not confirm by then, your offer will lapse",
    )
    enrol_url = SITE_URL + reverse("academy:enrol", args=[application.pk])
    assert enrol_url in message.body
    assert f'href="{enrol_url}"' in _html(message)


def test_accepted_in_summer_time_shows_london_time(application):
    _set(
        application,
        state=Application.State.ACCEPTED,
        offer_expires_at=datetime.datetime(2030, 6, 20, 16, 30, tzinfo=datetime.UTC),
        decision_reason="A place became free and you were next on the waiting list.",
    )

    message = _send(application, "accepted")

    _assert_both_parts(
        message,
        "We are holding your place until 5:30pm on 20 June 2030.",
        "A place became free and you were next on the waiting list.",
    )


def test_waiting_list(application):
    _set(application, state=Application.State.WAITING_LIST)

    message = _send(application, "waiting_list")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"You are on the waiting list: {PROGRAMME}"
    _assert_both_parts(
        message,
        "put it on the waiting list",
        "If a place becomes free, we offer it to the people on the waiting list in the order "
        "they joined it.",
    )
    assert _application_url(application) in message.body


def test_rejected_gives_the_reason(application):
    _set(
        application,
        state=Application.State.REJECTED,
        decision_reason="This cohort is for people who lead a digital team.",
    )

    message = _send(application, "rejected")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your application was not successful: {PROGRAMME}"
    _assert_both_parts(
        message,
        "The programme team has decided not to offer you a place.",
        "Their reason: This cohort is for people who lead a digital team.",
        "You can apply for a later cohort of this programme",
    )


def test_rejected_reason_is_escaped_in_html(application):
    _set(application, state=Application.State.REJECTED, decision_reason="<b>Not now</b>")

    message = _send(application, "rejected")

    assert "&lt;b&gt;Not now&lt;/b&gt;" in _html(message)
    assert "<b>Not now</b>" in message.body


def test_lapsed(application):
    _set(
        application,
        state=Application.State.LAPSED,
        offer_expires_at=datetime.datetime(2030, 1, 3, 17, tzinfo=LONDON),
    )

    message = _send(application, "lapsed")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your offer of a place has lapsed: {PROGRAMME}"
    _assert_both_parts(
        message,
        "held it for you until 5pm on 3 January 2030",
        "the offer has lapsed",
        "you can apply again while the cohort is taking applications",
    )


def test_withdrawn(application):
    _set(application, state=Application.State.WITHDRAWN)

    message = _send(application, "withdrawn")

    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your application has been withdrawn: {PROGRAMME}"
    _assert_both_parts(
        message, f"Your application for {PROGRAMME}, 2030 Spring, Manchester has been withdrawn."
    )


# --- to the delegate -----------------------------------------------------------------------


def test_enrolled_lists_the_modules(application):
    _set(application, state=Application.State.ENROLLED)
    enrolment = EnrolmentFactory(application=application)

    assert notifications.enrolment_email_send(enrolment_id=enrolment.pk) == 1

    (message,) = mail.outbox
    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == (f"Your place is confirmed: {PROGRAMME}, 2030 Spring, Manchester")
    _assert_both_parts(
        message,
        f"Your place on {PROGRAMME}, 2030 Spring, Manchester is confirmed.",
        f"Booking reference: {enrolment.order.reference}",
        "Monday 4 March 2030, 9:30am to 4:30pm, Manchester Central Library",
        "Monday 6 May 2030, midday to 5pm, Leeds Civic Hall",
        "To complete the programme and get your certificate, attend every module.",
    )
    assert "- Leading through change: Monday 4 March 2030" in message.body
    enrolment_url = SITE_URL + reverse("academy:enrolment", args=[enrolment.pk])
    assert enrolment_url in message.body
    assert f'href="{enrolment_url}"' in _html(message)


def test_enrolled_with_the_at_least_rule(application):
    Programme.objects.filter(pk=application.cohort.programme_id).update(
        completion_rule=Programme.CompletionRule.AT_LEAST, minimum_modules=1
    )
    enrolment = EnrolmentFactory(application=_set(application, state="enrolled"))

    notifications.enrolment_email_send(enrolment_id=enrolment.pk)

    _assert_both_parts(mail.outbox[0], "attend at least 1 module.")


def test_enrolment_cancelled(application):
    enrolment = EnrolmentFactory(application=_set(application, state="withdrawn"))

    assert notifications.enrolment_cancelled_email_send(enrolment_id=enrolment.pk) == 1

    (message,) = mail.outbox
    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == (
        f"Your place has been cancelled: {PROGRAMME}, 2030 Spring, Manchester"
    )
    _assert_both_parts(
        message,
        f"Your place on {PROGRAMME}, 2030 Spring, Manchester has been cancelled.",
        "If you have paid, you will get a refund to your card or a credit note",
    )


def test_certificate_links_to_the_verification_page(application):
    enrolment = EnrolmentFactory(application=_set(application, state="enrolled"))
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        delegate_name="Ada Okafor",
        programme_title=PROGRAMME,
        cohort_name="2030 Spring, Manchester",
        modules_attended=2,
        modules_total=2,
        completed_on=datetime.date(2030, 7, 1),
        issued_at=timezone.now(),
    )

    assert notifications.certificate_email_send(certificate_id=certificate.pk) == 1

    (message,) = mail.outbox
    assert message.to == ["ada.okafor@leeds.gov.uk"]
    assert message.subject == f"Your certificate: {PROGRAMME}"
    verify_url = f"{SITE_URL}/academy/verify/{certificate.code}/"
    _assert_both_parts(
        message,
        f"Congratulations: you have completed {PROGRAMME}, 2030 Spring, Manchester.",
        "You attended 2 of 2 modules.",
        f"Its verification code is {certificate.code}.",
        verify_url,
    )
    assert f'href="{verify_url}"' in _html(message)
    assert SITE_URL + reverse("academy:enrolment", args=[enrolment.pk]) in message.body


def test_every_kind_has_a_subject_text_and_html_part(application, settings):
    settings.NETWORK_NAME = "North West Digital Leaders"
    _set(application, offer_expires_at=timezone.now() + datetime.timedelta(days=3))
    for kind in [*sorted(notifications.APPLICANT_EMAILS), "sponsor_request"]:
        mail.outbox.clear()
        message = _send(application, kind)
        assert message.subject and "\n" not in message.subject, kind
        assert "{{" not in message.body and "{%" not in message.body, kind
        assert _html(message).lstrip().startswith("<!DOCTYPE html>"), kind
        assert "North West Digital Leaders" in message.body, kind
        assert _application_url(application) in message.body or kind == "sponsor_request", kind
