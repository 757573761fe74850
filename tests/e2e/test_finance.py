"""The finance desk in a real browser; every page passes axe, errors included."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from payments.models import Order, Payment
from payments.services import Billing, LineSpec, order_create, order_mark_paid
from payments.services.documents import credit_note_for_amount, invoice_issue
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _invoice(*, organisation, method="invoice", issued_days_ago=0, intent=""):
    with transaction.atomic():
        order, _ = order_create(
            booker=None,
            booker_name="Rhian Pritchard",
            booker_email="rhian@oldham.gov.uk",
            payment_method=method,
            lines=[
                LineSpec("Share Digital: Member", 2, Decimal("195.00"), Decimal("20")),
                LineSpec("Share Digital: Workshop", 1, Decimal("49.99"), Decimal("20")),
            ],
            billing=Billing(
                organisation=organisation,
                address="Civic Centre\nWest Street",
                postcode="OL1 1UT",
                purchase_order="PO-778",
            ),
            supply_date=timezone.localdate() + datetime.timedelta(days=60),
        )
        if intent:
            Payment.objects.create(
                order=order,
                method=Payment.Method.CARD,
                state=Payment.State.SUCCEEDED,
                amount=order.total_gross,
                stripe_payment_intent_id=intent,
            )
            order_mark_paid(order=order)
    return invoice_issue(
        order=order, now=timezone.now() - datetime.timedelta(days=issued_days_ago)
    )


@pytest.fixture
def documents(settings, tmp_path, monkeypatch):
    """An unpaid, an overdue and a card-paid flagged invoice, and a credit note."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # No background work: PDFs and emails are not what these pages are about.
    monkeypatch.setattr("core.tasks.async_task", lambda *args, **kwargs: None)
    unpaid = _invoice(organisation="Oldham Council")
    overdue = _invoice(organisation="Conwy County Borough Council", issued_days_ago=45)
    paid = _invoice(organisation="Derby City Council", method="card", intent="pi_3E2eCard")
    Order.objects.filter(pk=paid.order_id).update(
        flagged=True, flag_reason="Dispute opened: product not received"
    )
    with transaction.atomic():  # the service runs inside its caller's transaction
        credit_note_for_amount(invoice=overdue, gross=Decimal("117.01"), reason="One place")
    return {"unpaid": unpaid, "overdue": overdue, "paid": paid}


@pytest.fixture
def finance_page(page, live_server):
    """The browser, signed in as finance."""
    user = UserFactory(email="fola@digital-leaders.example", full_name="Fola Adeyemi")
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize(
    "path",
    [
        "/finance/",
        "/finance/?status=outstanding&organisation=council&event=share",
        "/finance/?issued_from=nonsense&status=overdue",
        "/finance/payments/",
        "/finance/payments/?method=card",
        "/finance/flagged/",
    ],
)
def test_finance_pages_pass_axe(finance_page, documents, path):
    finance_page.goto(path)

    assert finance_page.locator("h1").count() == 1
    assert axe_violations(finance_page) == []


def test_invoice_pages_pass_axe(finance_page, documents):
    for invoice in documents.values():
        finance_page.goto(f"/finance/invoices/{invoice.number}/")

        assert finance_page.get_by_role("heading", level=1).inner_text().startswith(invoice.number)
        assert axe_violations(finance_page) == []


def test_finance_filters_the_list_and_sees_the_totals(finance_page, documents):
    finance_page.goto("/finance/")
    finance_page.get_by_label("Status").select_option("overdue")
    finance_page.get_by_role("button", name="Apply filters").click()

    expect(finance_page.get_by_role("status")).to_have_text(
        "1 invoice and 1 credit note match your filters."
    )
    overdue = documents["overdue"]
    invoices = finance_page.get_by_role("region", name="Invoices")
    expect(invoices.get_by_role("link", name=overdue.number, exact=True)).to_be_visible()
    totals = finance_page.locator("[data-totals=net] [data-gross]").inner_text()
    assert totals == "£410.98"  # £527.99 less the £117.01 credit note


def test_mark_paid_with_errors_then_in_full(finance_page, documents):
    invoice = documents["overdue"]
    finance_page.goto(f"/finance/invoices/{invoice.number}/")
    finance_page.get_by_label("Amount received, in pounds").fill("9999.00")
    finance_page.get_by_label("Bank reference").fill("")
    finance_page.get_by_role("button", name="Record the payment").click()

    expect(finance_page).to_have_title(re.compile(r"^Error: "))
    summary = finance_page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Enter the bank reference")).to_be_visible()
    assert axe_violations(finance_page) == []

    finance_page.get_by_label("Amount received, in pounds").fill("9999.00")
    finance_page.get_by_label("Bank reference").fill("BACS 7781")
    finance_page.get_by_role("button", name="Record the payment").click()

    expect(finance_page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("link", name="£9999.00 is more than is owed")).to_be_visible()
    assert axe_violations(finance_page) == []

    finance_page.get_by_label("Amount received, in pounds").fill("410.98")
    finance_page.get_by_role("button", name="Record the payment").click()

    expect(finance_page.locator("main")).to_contain_text(f"Invoice {invoice.number} is paid.")
    assert Order.objects.get(pk=invoice.order_id).state == Order.State.PAID


def test_refund_with_errors_passes_axe(finance_page, documents):
    invoice = documents["paid"]
    finance_page.goto(f"/finance/invoices/{invoice.number}/")
    finance_page.get_by_label("Amount to refund, in pounds").fill("600.00")
    finance_page.get_by_label("Reason").fill("Goodwill")
    finance_page.get_by_role("button", name="Refund").click()

    expect(finance_page).to_have_title(re.compile(r"^Error: "))
    expect(finance_page.get_by_role("link", name="You can refund up to £527.99")).to_be_visible()
    assert axe_violations(finance_page) == []


def test_finance_clears_a_flag(finance_page, documents):
    invoice = documents["paid"]
    finance_page.goto("/finance/flagged/")
    finance_page.get_by_role(
        "button", name=f"Clear flag on booking {invoice.order.reference}"
    ).click()

    expect(finance_page.locator("main")).to_contain_text("No orders are flagged.")
    assert Order.objects.get(pk=invoice.order_id).flagged is False
