"""Applying for a programme and following the place in a real browser; every page passes axe,
the apply form with its errors included."""

import re

import pytest
from playwright.sync_api import expect

from academy.models import Application, Enrolment
from academy.services.applications import (
    Decision,
    application_decide,
    sponsor_decide,
    sponsor_link_token,
)
from tests.academy.factories import AttendanceFactory, CohortFactory, ProgrammeFactory
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ERROR_TITLE = re.compile(r"^Error: ")
APPLY = "/academy/leading-digital-transformation/2027-spring/apply/"


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
    return UserFactory(
        email="sam.jones@leeds.gov.uk", full_name="Sam Jones", job_title="Head of Digital"
    )


def _sign_in(page, next_path):
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Email address").fill("sam.jones@leeds.gov.uk")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_apply_then_confirm_and_follow_the_place(page, cohort, applicant, settings):
    # A Stripe test server makes the confirm page ask card or invoice, with its reveal.
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    _sign_in(page, APPLY)

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Apply for Leading Digital Transformation"
    )
    assert axe_violations(page) == []

    # Too many words, no consent: the errors are listed and each link finds its field.
    page.get_by_label("Organisation").fill("Leeds City Council")
    page.get_by_label("1 to 3 years").check()
    page.get_by_label("Sponsor’s full name").fill("Priya Shah")
    page.get_by_label("Sponsor’s email address").fill("priya.shah@leeds.gov.uk")
    page.get_by_label("Why do you want to take part?").fill("word " * 501)
    expect(page.get_by_text("You have 1 word too many")).to_be_visible()
    page.get_by_role("button", name="Send application").click()
    expect(page).to_have_title(ERROR_TITLE)
    page.get_by_role("link", name="Confirm that you agree to how we use your application").click()
    assert page.evaluate("document.activeElement.id") == "id_consent"
    assert page.get_by_role(
        "link", name="Why you want to take part must be 500 words or fewer (you have 501)"
    ).is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Why do you want to take part?").fill("To lead our move to platforms.")
    page.get_by_label("I agree to the academy using my application").check()
    page.get_by_role("button", name="Send application").click()
    page.wait_for_url("**/academy/my/applications/*/")

    expect(page.get_by_text("Application sent. We have emailed Priya Shah")).to_be_visible()
    assert page.get_by_role("button", name="Send the request again").is_visible()
    assert axe_violations(page) == []

    # The sponsor supports it; the programme manager accepts it.
    application = Application.objects.get()
    sponsor_decide(token=sponsor_link_token(application), supported=True)
    application_decide(
        application=application,
        decision=Decision.ACCEPT,
        by=UserFactory(email="academy@example.org"),
    )

    page.get_by_role("link", name="My academy").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "My academy"
    assert page.get_by_text("Accepted", exact=True).is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Confirm your place on Leading Digital Transformation").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your place"
    assert axe_violations(page) == []
    page.get_by_label("Pay by invoice (for organisations)").check()
    expect(page.get_by_label("Organisation to invoice")).to_be_visible()
    page.get_by_label("Invoice address").fill("Civic Hall\nLeeds")
    page.get_by_label("Postcode").fill("LS1 1UR")
    page.get_by_label("Purchase order number (optional)").fill("PO-4471")
    page.get_by_role("button", name="Confirm your place").click()
    page.wait_for_url("**/academy/my/enrolments/*/")

    expect(page.get_by_text("You’re enrolled on Leading Digital Transformation")).to_be_visible()
    enrolment = Enrolment.objects.get()
    first = enrolment.cohort.modules.order_by("starts_at").first()
    AttendanceFactory(module=first, enrolment=enrolment)
    page.reload()

    assert page.locator(".govuk-task-list__item").count() == 4
    expect(
        page.get_by_text("You have attended 1 of 4 modules; you need 4 to complete.")
    ).to_be_visible()
    qr = page.get_by_role("img", name="QR code for Sam Jones’s place on Leading Digital")
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 0
    assert axe_violations(page) == []
