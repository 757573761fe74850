"""Booking places in a real browser; every step passes axe, errors included."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from events.models import Registration
from payments.models import Order
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Waits for the page that answers the form, since it has the same address.
ERROR_TITLE = re.compile(r"^Error: ")


@pytest.fixture
def event():
    event = EventFactory(title="Share Digital", slug="share-digital", capacity=50)
    TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100.00"))
    return event


@pytest.fixture
def booker():
    return UserFactory(
        email="rhian.pritchard@example.net",
        full_name="Rhian Pritchard",
        job_title="Head of Digital",
    )


def _sign_in(page, next_path):
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Email address").fill("rhian.pritchard@example.net")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_booker_books_two_places_by_invoice(page, event, booker, settings):
    # A Stripe test server makes the page ask card or invoice, with its conditional reveal.
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    page.goto("/events/share-digital/")
    page.get_by_role("button", name="Book places").click()
    page.wait_for_url("**/accounts/login/**")
    _sign_in(page, "/events/share-digital/book/")

    assert page.get_by_role("heading", level=1).inner_text() == "How many places do you want?"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert page.get_by_role("link", name="Choose at least one place").is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Standard").fill("2")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/book/delegates/")

    assert page.get_by_role("heading", level=1).inner_text() == "Who are the places for?"
    assert axe_violations(page) == []
    page.get_by_label("This place is for me").check()
    assert page.locator("#id_place-1-first_name").input_value() == "Rhian"
    assert page.locator("#id_place-1-last_name").input_value() == "Pritchard"
    assert page.locator("#id_place-1-email").input_value() == "rhian.pritchard@example.net"
    page.locator("#id_place-2-first_name").fill("Gareth")
    page.locator("#id_place-2-last_name").fill("Morgan")
    page.locator("#id_place-2-email").fill("gareth at conwy")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(ERROR_TITLE)
    page.get_by_role(
        "link", name="Enter an email address for place 2 in the correct format"
    ).click()
    assert page.evaluate("document.activeElement.id") == "id_place-2-email"
    assert axe_violations(page) == []
    page.locator("#id_place-2-email").fill("gareth.morgan@conwy.gov.uk")
    page.locator("#id_place-2-access_needs").fill("Step-free access")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/book/payment/")

    assert page.get_by_role("heading", level=1).inner_text() == "How do you want to pay?"
    assert not page.get_by_label("Organisation to invoice").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Pay by invoice (for organisations)").check()
    assert page.get_by_label("Organisation to invoice").is_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []
    page.get_by_label("Organisation to invoice").fill("Conwy County Borough Council")
    page.get_by_label("Invoice address").fill("Bodlondeb\nConwy")
    page.get_by_label("Postcode").fill("LL32 8DU")
    page.get_by_label("Purchase order number (optional)").fill("PO-4471")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/book/check/")

    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers before booking"
    assert page.get_by_text("Gareth Morgan", exact=True).is_visible()
    total = page.locator(".govuk-summary-list__row", has_text="Total to pay")
    assert "£240.00" in total.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url("**/book/done/**")

    order = Order.objects.get()
    panel = page.locator(".govuk-panel--confirmation")
    assert "Booking complete" in panel.inner_text()
    assert order.reference in panel.inner_text()
    assert axe_violations(page) == []
    assert order.purchase_order == "PO-4471"
    assert list(
        order.event_registrations.order_by("pk").values_list("email", "state", "access_needs")
    ) == [
        ("rhian.pritchard@example.net", Registration.State.CONFIRMED, ""),
        ("gareth.morgan@conwy.gov.uk", Registration.State.CONFIRMED, "Step-free access"),
    ]


def test_sold_out_at_confirmation_passes_axe(page, event, booker):
    event.capacity = 1
    event.save()
    _sign_in(page, "/events/share-digital/book/")
    page.get_by_label("Standard").fill("1")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("This place is for me").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Organisation to invoice").fill("Conwy County Borough Council")
    page.get_by_label("Invoice address").fill("Bodlondeb\nConwy")
    page.get_by_label("Postcode").fill("LL32 8DU")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/book/check/")
    RegistrationFactory(ticket_type=event.ticket_types.get())

    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_title(ERROR_TITLE)
    assert page.get_by_text("This event is fully booked.").is_visible()
    assert axe_violations(page) == []
    assert not Order.objects.filter(booker=booker).exists()


def test_waiting_list_passes_axe(page, event):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=event.ticket_types.get())

    page.goto("/events/share-digital/")
    page.get_by_role("link", name="Join the waiting list").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page).to_have_title(ERROR_TITLE)
    assert axe_violations(page) == []

    page.get_by_label("Full name").fill("Ceri Jones")
    page.get_by_label("Email address").fill("ceri@example.net")
    page.get_by_role("button", name="Join the waiting list").click()

    assert page.get_by_text("You’re on the waiting list for Share Digital").is_visible()
