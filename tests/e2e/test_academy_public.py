"""The academy's public pages in a real browser: every page, and its error states, pass axe."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import Application, Certificate
from academy.services.applications import sponsor_link_token
from tests.academy.factories import ApplicationFactory, CohortFactory, EnrolmentFactory
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def academy():
    """A programme with an open and a closed cohort, an application waiting for its sponsor
    and a delegate's certificate; returns the paths the tests visit."""
    cohort = CohortFactory(
        programme__title="Leading Digital Transformation",
        programme__slug="leading-digital-transformation",
        name="2030 Spring, Manchester",
        slug="2030-spring",
    )
    CohortFactory(programme=cohort.programme, name="2029 Autumn, Leeds", status="closed")
    application = ApplicationFactory(
        cohort=cohort,
        full_name="Ada Okafor",
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    certificate = Certificate.objects.create(
        enrolment=EnrolmentFactory(application__cohort=cohort),
        delegate_name="Sam Jones",
        programme_title="Leading Digital Transformation",
        cohort_name="2030 Spring, Manchester",
        modules_attended=4,
        modules_total=4,
        completed_on=datetime.date(2030, 7, 1),
        issued_at=timezone.now(),
    )
    revoked = Certificate.objects.create(
        enrolment=EnrolmentFactory(application__cohort=cohort),
        delegate_name="Kim Lee",
        programme_title="Leading Digital Transformation",
        cohort_name="2030 Spring, Manchester",
        modules_attended=4,
        modules_total=4,
        completed_on=datetime.date(2030, 7, 1),
        issued_at=timezone.now(),
        revoked_at=timezone.now(),
    )
    return {
        "home": reverse("academy:home"),
        "programme": reverse("academy:programme", args=[cohort.programme.slug]),
        "sponsor": reverse("academy:sponsor", args=[sponsor_link_token(application)]),
        "sponsor_expired": reverse(
            "academy:sponsor",
            args=[
                sponsor_link_token(
                    application, issued_at=timezone.now() - datetime.timedelta(days=30)
                )
            ],
        ),
        "verify": reverse("academy:verify"),
        "verified": reverse("academy:verify_code", args=[certificate.code]),
        "revoked": reverse("academy:verify_code", args=[revoked.code]),
        "not_found": reverse("academy:verify_code", args=["ZZZZ-ZZZZ-ZZZZ"]),
        "site_home": "/",
    }


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "programme",
        "sponsor",
        "sponsor_expired",
        "verify",
        "verified",
        "revoked",
        "not_found",
        "site_home",
    ],
)
def test_academy_public_pages_pass_axe(page, academy, name):
    page.goto(academy[name])

    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_visitor_finds_a_programme_and_downloads_its_calendar(page, academy):
    page.goto(academy["home"])
    page.get_by_role("link", name="Leading Digital Transformation").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Leading Digital Transformation"
    assert page.get_by_role("button", name="Apply for 2030 Spring, Manchester").is_visible()
    assert page.get_by_text("Applications for this cohort are closed.").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Add the modules to your calendar for 2030 Spring").click()
    assert download.value.suggested_filename == "leading-digital-transformation-2030-spring.ics"


def test_sponsor_answers_with_an_error_first(page, academy):
    page.goto(academy["sponsor"])
    page.get_by_role("button", name="Send your answer").click()

    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert axe_violations(page) == []

    summary.get_by_role("link", name="Select whether you support this application").click()
    assert page.evaluate("document.activeElement.id") == "id_supported_0"
    page.get_by_label("Yes, I support this application").check()
    page.get_by_label("Comment (optional)").fill("Ada leads our platform work.")
    page.get_by_role("button", name="Send your answer").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Answer sent"
    assert axe_violations(page) == []
    assert Application.objects.get(full_name="Ada Okafor").state == Application.State.UNDER_REVIEW

    page.goto(academy["sponsor"])
    assert page.get_by_role("heading", level=1).inner_text() == "You have already answered"
    assert axe_violations(page) == []


def test_verifying_a_code(page, academy):
    page.goto(academy["verify"])
    page.get_by_role("button", name="Check certificate").click()

    assert page.title().startswith("Error:")
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page) == []

    code = Certificate.objects.get(delegate_name="Sam Jones").code
    page.get_by_label("Certificate code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check certificate").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Certificate verified"
    assert page.get_by_text("Sam Jones").is_visible()
