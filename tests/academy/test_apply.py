"""Applying for a cohort over HTTP: the form, what it shows, its errors and what it sends."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import Application, Cohort
from tests.academy.factories import ApplicationFactory, CohortFactory, ProgrammeFactory
from tests.academy.pages import visible_text as _visible
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://academy.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def cohort():
    return CohortFactory(
        programme=ProgrammeFactory(
            title="Leading Digital Transformation", slug="leading-digital-transformation"
        ),
        name="2027 Spring, Manchester",
        slug="2027-spring",
    )


@pytest.fixture
def applicant():
    organisation = OrganisationFactory(name="Leeds City Council", domains=["leeds.gov.uk"])
    return UserFactory(
        email="sam.jones@leeds.gov.uk",
        full_name="Sam Jones",
        job_title="Head of Digital Services",
        organisation=organisation,
    )


def _url(cohort) -> str:
    return reverse("academy:apply", args=[cohort.programme.slug, cohort.slug])


def _answers(**changes) -> dict:
    answers = {
        "full_name": "Sam Jones",
        "role": "Head of Digital Services",
        "organisation": "Leeds City Council",
        "time_in_role": "1_to_3",
        "sponsor_name": "Priya Shah",
        "sponsor_email": "priya.shah@leeds.gov.uk",
        "motivation": "To lead our council's move to common platforms.",
        "access_needs": "",
        "consent": "on",
        # Ignored: the application goes to the account's address.
        "email": "someone.else@example.com",
    }
    answers.update(changes)
    return {name: value for name, value in answers.items() if value is not None}


# --- who may see the form, and what it shows ---------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, cohort):
    response = client.get(_url(cohort))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={_url(cohort)}"


def test_form_is_prefilled_from_the_account(client, cohort, applicant):
    client.force_login(applicant)

    response = client.get(_url(cohort))

    assert response.status_code == 200
    page = _text(response)
    assert 'name="full_name" value="Sam Jones"' in page
    assert 'name="role" value="Head of Digital Services"' in page
    assert 'name="organisation" value="Leeds City Council"' in page
    # The email address is the account's, shown but not editable.
    assert "sam.jones@leeds.gov.uk" in page
    assert 'name="email"' not in page
    for label in ("Less than a year", "1 to 3 years", "3 to 5 years", "More than 5 years"):
        assert label in page
    assert 'data-maxwords="500"' in page
    assert "You can enter up to 500 words" in page
    assert "We’ll email them a link to support or decline your application" in page
    assert Application.objects.count() == 0


def test_form_shows_the_cohort_and_the_price_the_applicant_would_pay(client, cohort):
    client.force_login(UserFactory(email="alex@example.com"))

    text = _visible(client.get(_url(cohort)))

    assert "Apply for Leading Digital Transformation" in text
    assert "2027 Spring, Manchester" in text
    for module in cohort.modules.all():
        assert f"{module.title}: {module.starts_at:%-d %B %Y}" in text
    assert "£2,400.00 plus VAT at 20%: £2,880.00 in total" in text
    assert "The non-member price. Members of the network pay £1,800.00 plus VAT." in text
    assert "20 of 20 places left" in text


def test_member_sees_the_member_price(client, cohort, applicant):
    client.force_login(applicant)

    text = _visible(client.get(_url(cohort)))

    assert "£1,800.00 plus VAT at 20%: £2,160.00 in total" in text
    assert "The member price" in text


def test_full_cohort_still_takes_applications_for_the_waiting_list(client, applicant):
    cohort = CohortFactory(capacity=1)
    ApplicationFactory(
        cohort=cohort,
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(applicant)

    text = _visible(client.get(_url(cohort)))

    assert "Every place has been offered. You can still apply" in text
    assert "Send application" in text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": Cohort.Status.CLOSED}, "Applications for this cohort are closed."),
        ({"status": Cohort.Status.CANCELLED}, "This cohort has been cancelled."),
        (
            {"applications_close_at": timezone.now() - datetime.timedelta(minutes=1)},
            "The deadline for applications has passed.",
        ),
    ],
)
def test_cohort_not_taking_applications_says_why_and_has_no_form(
    client, applicant, changes, reason
):
    cohort = CohortFactory(**changes)
    client.force_login(applicant)

    response = client.get(_url(cohort))

    text = _visible(response)
    assert response.status_code == 200
    assert "You cannot apply for this cohort" in text
    assert reason in text
    assert "<form" not in _text(response).split('id="main-content"')[1]

    response = client.post(_url(cohort), _answers())

    assert response.status_code == 409
    assert reason in _visible(response)
    assert Application.objects.count() == 0


def test_draft_cohorts_and_unpublished_programmes_are_not_found(client, applicant):
    client.force_login(applicant)
    draft = CohortFactory(status=Cohort.Status.DRAFT)
    hidden = CohortFactory(programme=ProgrammeFactory(is_published=False))

    assert client.get(_url(draft)).status_code == 404
    assert client.post(_url(hidden), _answers()).status_code == 404
    assert Application.objects.count() == 0


# --- sending it -----------------------------------------------------------------------------


def test_application_is_sent_and_the_sponsor_asked_for_support(
    client, cohort, applicant, mailoutbox, committed
):
    client.force_login(applicant)

    with committed():
        response = client.post(_url(cohort), _answers(access_needs="A hearing loop, please."))

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("academy:application", args=[application.pk])
    assert application.applicant == applicant
    assert application.email == "sam.jones@leeds.gov.uk"
    assert application.state == Application.State.AWAITING_SPONSOR
    assert application.sponsor_email == "priya.shah@leeds.gov.uk"
    assert application.time_in_role == Application.TimeInRole.ONE_TO_3
    assert application.access_needs == "A hearing loop, please."
    assert application.consent is True

    page = client.get(response["Location"])
    text = _visible(page)
    assert "Application sent. We have emailed Priya Shah to ask for their support." in text
    assert "Waiting for sponsor" in text

    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["priya.shah@leeds.gov.uk", "sam.jones@leeds.gov.uk"]
    to_sponsor = next(m for m in mailoutbox if m.to == ["priya.shah@leeds.gov.uk"])
    assert re.search(rf"{re.escape(SITE_URL)}/academy/sponsor/[^/\s]+/", to_sponsor.body)


def test_programme_without_sponsor_goes_straight_to_review(
    client, applicant, mailoutbox, committed
):
    cohort = CohortFactory(programme=ProgrammeFactory(requires_sponsor=False))
    client.force_login(applicant)

    page = _visible(client.get(_url(cohort)))
    assert "Your line manager" in page
    assert "so we will not email them" in page

    with committed():
        response = client.post(
            _url(cohort),
            _answers(sponsor_name="Priya Shah", sponsor_email="priya.shah@leeds.gov.uk"),
            follow=True,
        )

    application = Application.objects.get()
    assert application.state == Application.State.UNDER_REVIEW
    assert application.sponsor_decision == Application.SponsorDecision.NOT_NEEDED
    assert "Application sent. The programme team will review it." in _visible(response)
    assert [message.to for message in mailoutbox] == [["sam.jones@leeds.gov.uk"]]


# --- what is refused --------------------------------------------------------------------


def _assert_refused(response, *messages):
    text = _visible(response)
    assert response.status_code in (400, 409)
    assert "There is a problem" in text
    assert response.content.decode().count("<title>Error:") == 1
    for message in messages:
        assert message in text
    assert Application.objects.count() == 0


def test_consent_is_required(client, cohort, applicant, mailoutbox, committed):
    client.force_login(applicant)

    with committed():
        response = client.post(_url(cohort), _answers(consent=None))

    _assert_refused(response, "Confirm that you agree to how we use your application")
    assert mailoutbox == []


def test_every_missing_answer_is_listed(client, cohort, applicant):
    client.force_login(applicant)

    response = client.post(_url(cohort), {})

    _assert_refused(
        response,
        "Enter your full name",
        "Enter your job title",
        "Enter the name of your organisation",
        "Select how long you have been in this role",
        "Enter your sponsor’s full name",
        "Enter your sponsor’s email address",
        "Tell us why you want to take part",
        "Confirm that you agree to how we use your application",
    )
    # Each error in the summary links to its field.
    page = _text(response)
    assert 'href="#id_time_in_role_0"' in page
    assert 'href="#id_consent"' in page


def test_the_applicant_cannot_be_their_own_sponsor(client, cohort, applicant):
    client.force_login(applicant)

    response = client.post(_url(cohort), _answers(sponsor_email="SAM.JONES@leeds.gov.uk"))

    _assert_refused(response, "Your sponsor must be someone else, such as your line manager.")
    assert 'href="#id_sponsor_email"' in _text(response)
    # Their answers are kept for them to correct.
    assert "To lead our council&#x27;s move to common platforms." in _text(response)


def test_why_you_want_to_take_part_has_a_word_limit(client, cohort, applicant):
    client.force_login(applicant)

    response = client.post(_url(cohort), _answers(motivation="word " * 501))

    _assert_refused(
        response, "Why you want to take part must be 500 words or fewer (you have 501)"
    )

    response = client.post(_url(cohort), _answers(motivation="word\n" * 500))

    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_sponsor_email_must_be_an_email_address(client, cohort, applicant):
    client.force_login(applicant)

    response = client.post(_url(cohort), _answers(sponsor_email="priya at leeds"))

    _assert_refused(response, "Enter an email address in the correct format")


def test_a_second_application_for_the_same_cohort_is_refused(client, cohort, applicant):
    existing = ApplicationFactory(cohort=cohort, applicant=applicant)
    client.force_login(applicant)

    page = client.get(_url(cohort))
    text = _visible(page)
    assert "You have already applied" in text
    assert existing.get_absolute_url() in _text(page)
    assert 'name="motivation"' not in _text(page)

    response = client.post(_url(cohort), _answers())

    assert response.status_code == 409
    assert "You have already applied for this cohort." in _visible(response)
    assert f'href="{existing.get_absolute_url()}"' in _text(response)
    assert Application.objects.count() == 1


def test_applying_again_after_withdrawing_is_allowed(client, cohort, applicant):
    ApplicationFactory(cohort=cohort, applicant=applicant, state=Application.State.WITHDRAWN)
    client.force_login(applicant)

    assert 'name="motivation"' in _text(client.get(_url(cohort)))
    response = client.post(_url(cohort), _answers())

    assert response.status_code == 302
    assert Application.objects.filter(state=Application.State.AWAITING_SPONSOR).count() == 1
