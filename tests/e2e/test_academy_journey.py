"""The issue's "done when", tried as a new user would, in a real browser.

Apply for a programme; the sponsor supports it from the emailed link; the
programme manager accepts; the applicant pays by invoice; the modules are in
their personal calendar feed; they are marked present at every module; they
download a certificate whose code the public page confirms.
"""

import re

import icalendar
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from academy.models import Application, Certificate, Enrolment
from accounts import roles
from payments.models import Invoice
from tests.academy.factories import CohortFactory, ProgrammeFactory
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def _sign_in(page, email, next_path):
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def _new_page(browser, live_server):
    return browser.new_context(base_url=live_server.url).new_page()


def test_apply_support_accept_pay_attend_and_verify(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    programme = ProgrammeFactory(
        title="Leading Digital Transformation", slug="leading-digital-transformation"
    )
    cohort = CohortFactory(programme=programme, name="2027 Spring, Manchester", modules=3)
    UserFactory(email="sam.jones@example.net", full_name="Sam Jones", job_title="Head of Digital")
    manager = UserFactory(email="pat.manager@example.org", full_name="Pat Manager")
    manager.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGERS))

    # The applicant finds the programme and applies.
    applicant = _new_page(browser, live_server)
    applicant.goto("/academy/")
    applicant.get_by_role("link", name="Leading Digital Transformation").first.click()
    applicant.get_by_role("button", name="Apply for 2027 Spring, Manchester").click()
    applicant.wait_for_url("**/accounts/login/**")
    _sign_in(applicant, "sam.jones@example.net", f"/academy/{programme.slug}/{cohort.slug}/apply/")
    applicant.get_by_label("Organisation").fill("Leeds City Council")
    applicant.get_by_label("1 to 3 years").check()
    applicant.get_by_label("Full name", exact=False).nth(1).fill("Priya Shah")
    applicant.get_by_label("Email address", exact=False).last.fill("priya.shah@example.org")
    applicant.get_by_label("Why do you want to take part?").fill(
        "To lead our council's move to common platforms with confidence."
    )
    applicant.get_by_label("I agree to the academy using my application").check()
    applicant.get_by_role("button", name="Send application").click()
    expect(applicant.get_by_text("Application sent")).to_be_visible()
    application = Application.objects.get()
    assert application.state == Application.State.AWAITING_SPONSOR

    # The sponsor follows the link in their email, with no account.
    to_sponsor = [m for m in mail.outbox if m.to == ["priya.shah@example.org"]]
    assert len(to_sponsor) == 1
    link = re.search(r"https?://\S+/academy/sponsor/\S+/", to_sponsor[0].body).group(0)
    sponsor = _new_page(browser, live_server)
    sponsor.goto(link)
    sponsor.get_by_label("Yes, I support this application").check()
    sponsor.get_by_role("button", name="Send your answer").click()
    expect(sponsor.get_by_role("heading", level=1)).to_have_text("Answer sent")
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW

    # The programme manager accepts it.
    desk = _new_page(browser, live_server)
    _sign_in(desk, "pat.manager@example.org", "/academy/manage/applications/")
    desk.get_by_role("link", name="Sam Jones").click()
    desk.get_by_label("Accept: offer a place").check()
    desk.get_by_role("button", name="Save decision").click()
    application.refresh_from_db()
    assert application.state == Application.State.ACCEPTED
    offers = [m.subject for m in mail.outbox if m.to == ["sam.jones@example.net"]]
    assert "You have been offered a place: Leading Digital Transformation" in offers

    # The applicant confirms and pays by invoice with a purchase order.
    applicant.goto(application.get_absolute_url())
    applicant.get_by_role("link", name="Confirm your place").click()
    # With no Stripe configured (as here), invoice is the only way to pay: no choice to make.
    applicant.get_by_label("Purchase order number").fill("PO-2027-0042")
    applicant.get_by_label("Organisation to invoice").fill("Leeds City Council")
    applicant.get_by_label("Invoice address").fill("Civic Hall\nCalverley Street\nLeeds")
    applicant.get_by_label("Postcode").fill("LS1 1UR")
    applicant.get_by_role("button", name="Confirm your place").click()
    expect(applicant.get_by_text("You’re enrolled on")).to_be_visible()
    enrolment = Enrolment.objects.get()
    assert enrolment.state == Enrolment.State.CONFIRMED
    invoice = Invoice.objects.get(order=enrolment.order)
    assert invoice.purchase_order == "PO-2027-0042"
    assert axe_violations(applicant) == []

    # The modules are in their personal calendar feed.
    applicant.goto("/my-bookings/calendar/")
    applicant.get_by_role("button", name="Create my calendar address").click()
    feed_url = applicant.locator("#calendar-address").input_value()
    feed = icalendar.Calendar.from_ical(applicant.request.get(feed_url).body())
    summaries = sorted(str(vevent["SUMMARY"]) for vevent in feed.walk("VEVENT"))
    assert summaries == [f"Leading Digital Transformation: Module {n}" for n in (1, 2, 3)]

    # The programme manager marks them present at every module.
    for module in cohort.modules.order_by("starts_at"):
        desk.goto(f"/academy/manage/modules/{module.pk}/register/")
        desk.locator(f"#mark-{enrolment.pk}-present").check()
        desk.get_by_role("button", name="Save register").click()
        expect(desk.locator(".govuk-notification-banner")).to_be_visible()
    certificate = Certificate.objects.get(enrolment=enrolment)

    # The delegate downloads the certificate...
    applicant.goto(enrolment.get_absolute_url())
    expect(applicant.get_by_text(certificate.code).first).to_be_visible()
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = PdfReader(download.value.path())
    text = " ".join(pdf_page.extract_text() for pdf_page in pdf.pages)
    assert "Sam Jones" in text and certificate.code in text

    # ...and anyone can check its code on the public page.
    visitor = _new_page(browser, live_server)
    visitor.goto("/academy/verify/")
    visitor.get_by_label("Certificate code").fill(certificate.code.lower().replace("-", " "))
    visitor.get_by_role("button", name="Check certificate").click()
    expect(visitor.get_by_text("Certificate verified")).to_be_visible()
    expect(visitor.get_by_text("Sam Jones")).to_be_visible()
    assert axe_violations(visitor) == []
