"""Paying by card in a real browser, with localstripe's Stripe.js standing in for Stripe's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from events.models import Registration
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from payments.models import Order, Payment
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, TicketTypeFactory

# The session's localstripe server, shared with the payments tests.
from tests.payments.conftest import localstripe, stripe_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase"
EMAIL = "rhian@conwy.gov.uk"


@pytest.fixture
def order(stripe_settings):  # noqa: F811
    """Rhian's card booking of one £100 + VAT place, waiting for payment."""
    booker = UserFactory(email=EMAIL, password=PASSWORD)
    event = EventFactory(title="Share Digital")
    ticket = TicketTypeFactory(event=event, name="Member", price_net=Decimal("100.00"))
    return booking_create(
        event_id=event.pk,
        booker=booker,
        booker_name="Rhian Pritchard",
        booker_email=EMAIL,
        places=[
            PlaceRequest(ticket.pk, DelegateDetails("Gareth", "Evans", "gareth@conwy.gov.uk"))
        ],
        payment_method="card",
    )


def _open_payment_page(page, order):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto(reverse("payments:pay", args=[order.reference]))
    # localstripe's card element: plain inputs, mounted once its Stripe.js has loaded.
    page.get_by_placeholder("number").wait_for()


def _fill_card(page, number):
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("30")
    page.get_by_placeholder("cvc").fill("123")


def _assert_paid(page, order):
    page.wait_for_url("**/return/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Payment received"
    assert page.get_by_text(order.reference).first.is_visible()
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert set(order.event_registrations.values_list("state", flat=True)) == {
        Registration.State.CONFIRMED
    }


def test_a_booker_pays_by_card_and_sees_the_payment_received(page, order):
    _open_payment_page(page, order)
    assert page.get_by_role("group", name="Card details").is_visible()
    assert axe_violations(page) == []

    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay £120.00").click()

    _assert_paid(page, order)
    assert axe_violations(page) == []


def test_a_declined_card_is_explained_and_the_payer_tries_another(page, order):
    _open_payment_page(page, order)

    _fill_card(page, "4000000000000341")
    page.get_by_role("button", name="Pay £120.00").click()

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert summary.get_by_role("link", name="Your card was declined.").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.title().startswith("Error:")
    assert page.get_by_role("button", name="Pay £120.00").is_enabled()
    assert axe_violations(page) == []
    assert Order.objects.get(pk=order.pk).state == Order.State.PENDING

    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay £120.00").click()

    _assert_paid(page, order)
    assert Payment.objects.filter(order=order, state=Payment.State.FAILED).count() == 1


def test_a_card_that_asks_for_3d_secure_is_authenticated(page, order):
    _open_payment_page(page, order)

    _fill_card(page, "4000002500003155")
    page.get_by_role("button", name="Pay £120.00").click()
    page.get_by_role("button", name="Complete authentication").click()

    _assert_paid(page, order)
