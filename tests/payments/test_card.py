"""Card payments against localstripe, over real HTTP: intents, the pages, declines, refunds."""

import datetime
from decimal import Decimal

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from events.services.places import registration_cancel
from payments import stripe_gateway
from payments.models import CreditNote, Invoice, Order, Payment, Refund
from payments.services import Billing
from payments.services.card import (
    OrderNotPayable,
    card_payment_refresh,
    card_payment_start,
    refund_submit,
)
from payments.services.refunds import refund_amount
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

SECRET = {"Authorization": "Bearer sk_test_localstripe"}


@pytest.fixture
def booker():
    return UserFactory(email="rhian@conwy.gov.uk")


@pytest.fixture
def book(booker, django_capture_on_commit_callbacks):
    """Book places at £100 + VAT each through the booking service; run what it queues."""

    def book(places=1, payment_method="card", price=Decimal("100.00")):
        event = EventFactory(title="Share Digital")
        ticket = TicketTypeFactory(event=event, name="Member", price_net=price)
        with django_capture_on_commit_callbacks(execute=True):
            return booking_create(
                event_id=event.pk,
                booker=booker,
                booker_name="Rhian Pritchard",
                booker_email=booker.email,
                places=[
                    PlaceRequest(
                        ticket.pk,
                        DelegateDetails(f"Delegate{n}", "Evans", f"delegate{n}@conwy.gov.uk"),
                    )
                    for n in range(places)
                ],
                payment_method=payment_method,
                billing=Billing(
                    organisation="Conwy County Borough Council", purchase_order="PO-1"
                ),
            )

    return book


def localstripe_post(settings, path, **data):
    return requests.post(
        f"{settings.STRIPE_API_BASE}{path}", data=data, headers=SECRET, timeout=10
    )


def localstripe_get(settings, path, **params):
    response = requests.get(
        f"{settings.STRIPE_API_BASE}{path}", params=params, headers=SECRET, timeout=10
    )
    response.raise_for_status()
    return response.json()


def confirm(settings, intent_id, payment_method="pm_card_visa"):
    """Confirm the intent with a test card, as Stripe.js does in the payer's browser."""
    localstripe_post(
        settings, f"/v1/payment_intents/{intent_id}", payment_method=payment_method
    ).raise_for_status()
    return localstripe_post(settings, f"/v1/payment_intents/{intent_id}/confirm")


def start_and_pay(order, settings, payment_method="pm_card_visa"):
    started = card_payment_start(order=order)
    confirm(settings, started.payment.stripe_payment_intent_id, payment_method)
    return started.payment.stripe_payment_intent_id


def test_the_payment_intent_is_for_the_order_gross_in_pence(book):
    order = book(places=2)

    started = card_payment_start(order=order)

    assert order.total_gross == Decimal("240.00")
    intent = stripe_gateway.payment_intent_retrieve(started.payment.stripe_payment_intent_id)
    assert (intent.amount, intent.currency, intent.order_reference) == (
        24000,
        "gbp",
        order.reference,
    )
    assert started.client_secret == intent.client_secret
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.state, payment.amount, payment.currency) == (
        Payment.Method.CARD,
        Payment.State.PENDING,
        Decimal("240.00"),
        "GBP",
    )


def test_starting_twice_reuses_the_same_payment_intent(book, client, booker):
    order = book()
    client.force_login(booker)

    first = card_payment_start(order=order)
    second = card_payment_start(order=order)
    answer = client.post(reverse("payments:pay", args=[order.reference])).json()

    assert first.payment.stripe_payment_intent_id == second.payment.stripe_payment_intent_id
    assert answer["client_secret"] == first.client_secret
    assert Payment.objects.filter(order=order).count() == 1


def test_the_payment_page_shows_the_amount_and_loads_stripe_js(book, client, booker, settings):
    order = book()
    client.force_login(booker)

    response = client.get(reverse("payments:pay", args=[order.reference]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Pay £120.00" in page
    assert f'<script src="{settings.STRIPE_JS_URL}"></script>' in page
    assert 'id="card-element"' in page
    assert "Share Digital: Member" in page
    # Looking at the page creates nothing: the intent is made when the payer presses Pay.
    assert not Payment.objects.filter(order=order).exists()


def test_paying_confirms_the_places_and_the_return_page_says_so(
    book, client, booker, settings, django_capture_on_commit_callbacks
):
    order = book(places=2)
    client.force_login(booker)
    intent_id = start_and_pay(order, settings)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("payments:pay_return", args=[order.reference]), {"payment_intent": intent_id}
        )

    page = response.content.decode()
    assert "Payment received" in page
    assert order.reference in page
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert set(order.event_registrations.values_list("state", flat=True)) == {
        Registration.State.CONFIRMED
    }
    payment = Payment.objects.get(order=order)
    assert payment.state == Payment.State.SUCCEEDED
    assert payment.stripe_charge_id.startswith("ch_")
    assert Invoice.objects.get(order=order).total_gross == Decimal("240.00")


def test_recording_a_success_twice_changes_nothing(book, settings):
    order = book()
    intent_id = start_and_pay(order, settings)

    card_payment_refresh(order=order)
    paid_at = Order.objects.get(pk=order.pk).paid_at
    intent = stripe_gateway.payment_intent_retrieve(intent_id)
    from payments.services.card import card_payment_succeeded

    again = card_payment_succeeded(payment_intent=intent)

    assert again.state == Payment.State.SUCCEEDED
    assert Order.objects.get(pk=order.pk).paid_at == paid_at
    assert Payment.objects.filter(order=order).count() == 1


def test_a_declined_card_shows_the_message_and_leaves_the_order_pending(
    book, client, booker, settings
):
    order = book()
    client.force_login(booker)
    started = card_payment_start(order=order)

    declined = confirm(
        settings, started.payment.stripe_payment_intent_id, "pm_card_chargeCustomerFail"
    )
    response = client.get(reverse("payments:pay_return", args=[order.reference]))

    assert declined.status_code == 402
    page = response.content.decode()
    assert "Your payment was not taken" in page
    assert "Your card was declined." in page
    assert reverse("payments:pay", args=[order.reference]) in page  # try again
    order.refresh_from_db()
    assert order.state == Order.State.PENDING
    assert set(order.event_registrations.values_list("state", flat=True)) == {
        Registration.State.PENDING
    }
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.failure_message) == (
        Payment.State.FAILED,
        "Your card was declined.",
    )


def test_after_a_decline_the_payer_can_try_another_card_on_the_test_server(
    book, client, booker, settings
):
    order = book()
    client.force_login(booker)
    secret = client.post(reverse("payments:pay", args=[order.reference])).json()["client_secret"]
    test_card = reverse("payments:pay_test_card", args=[order.reference])

    declined = client.post(
        test_card, {"client_secret": secret, "token": _token(settings, "4000000000000341")}
    )
    secret = client.post(reverse("payments:pay", args=[order.reference])).json()["client_secret"]
    paid = client.post(
        test_card, {"client_secret": secret, "token": _token(settings, "4242424242424242")}
    )
    client.get(reverse("payments:pay_return", args=[order.reference]))

    assert declined.json()["error"] == "Your card was declined."
    assert paid.json()["status"] == "succeeded"
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
    assert sorted(Payment.objects.filter(order=order).values_list("state", flat=True)) == [
        Payment.State.FAILED,
        Payment.State.SUCCEEDED,
    ]


def _token(settings, number):
    response = requests.post(
        f"{settings.STRIPE_API_BASE}/v1/tokens",
        data={
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
            "key": settings.STRIPE_PUBLISHABLE_KEY,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id"]


def test_the_test_server_path_is_closed_when_talking_to_real_stripe(
    book, client, booker, settings
):
    order = book()
    client.force_login(booker)
    settings.STRIPE_API_BASE = ""

    response = client.post(
        reverse("payments:pay_test_card", args=[order.reference]),
        {"client_secret": "pi_x_secret_y", "token": "tok_x"},
    )

    assert response.status_code == 404


def test_an_amount_that_does_not_match_flags_the_order_and_does_not_pay(
    book, client, booker, settings
):
    order = book()
    client.force_login(booker)
    started = card_payment_start(order=order)
    intent_id = started.payment.stripe_payment_intent_id
    localstripe_post(
        settings, f"/v1/payment_intents/{intent_id}", amount="11999"
    ).raise_for_status()
    confirm(settings, intent_id)

    response = client.get(reverse("payments:pay_return", args=[order.reference]))

    assert "We’ve received your payment" in response.content.decode()
    order.refresh_from_db()
    assert order.state == Order.State.PENDING
    assert order.flagged
    assert "£119.99 does not match the £120.00 due" in order.flag_reason
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.amount) == (Payment.State.SUCCEEDED, Decimal("119.99"))


def test_an_unpaid_invoice_can_be_paid_by_card(book, client, booker, settings):
    order = book(payment_method="invoice")
    invoice = Invoice.objects.get(order=order)
    client.force_login(booker)

    page = client.get(reverse("payments:pay", args=[order.reference])).content.decode()
    secret = client.post(reverse("payments:pay", args=[order.reference])).json()["client_secret"]
    confirm(settings, secret.split("_secret_")[0])
    client.get(reverse("payments:pay_return", args=[order.reference]))

    assert f"This pays invoice {invoice.number}" in page
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Payment.objects.get(order=order).amount == invoice.total_gross


def test_an_expired_order_cannot_be_paid(book, client, booker):
    order = book()
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(booker)

    page = client.get(reverse("payments:pay", args=[order.reference])).content.decode()
    answer = client.post(reverse("payments:pay", args=[order.reference]))

    assert "This booking has expired" in page
    assert 'id="card-element"' not in page
    assert answer.status_code == 409
    assert "has expired" in answer.json()["error"]
    assert not Payment.objects.filter(order=order).exists()
    with pytest.raises(OrderNotPayable):
        card_payment_start(order=order)


def test_a_paid_order_says_so_instead_of_taking_money_twice(book, client, booker, settings):
    order = book()
    start_and_pay(order, settings)
    client.force_login(booker)

    # The webhook was lost and the payer went back to the payment page: Stripe is asked.
    answer = client.post(reverse("payments:pay", args=[order.reference])).json()

    assert answer == {"redirect": reverse("payments:pay_return", args=[order.reference])}
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID


def test_the_return_page_before_paying_says_nothing_has_arrived(book, client, booker):
    order = book()
    card_payment_start(order=order)
    client.force_login(booker)

    page = client.get(reverse("payments:pay_return", args=[order.reference])).content.decode()

    assert "We have not received your payment yet" in page
    assert Order.objects.get(pk=order.pk).state == Order.State.PENDING


@pytest.mark.parametrize("name", ["pay", "pay_return"])
def test_only_the_booker_sees_the_payment_pages(book, client, name):
    order = book()
    client.force_login(UserFactory(email="someone.else@conwy.gov.uk"))

    assert client.get(reverse(f"payments:{name}", args=[order.reference])).status_code == 404
    assert client.post(reverse("payments:pay", args=[order.reference])).status_code == 404
    assert not Payment.objects.filter(order=order).exists()


def test_signed_out_payers_are_asked_to_sign_in(book, client):
    order = book()

    response = client.get(reverse("payments:pay", args=[order.reference]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _refunds_at_stripe(settings, intent_id):
    return localstripe_get(settings, "/v1/refunds", payment_intent=intent_id)["data"]


def test_a_partial_and_then_a_full_refund_go_to_stripe(
    book, settings, django_capture_on_commit_callbacks
):
    order = book(places=2)
    intent_id = start_and_pay(order, settings)
    card_payment_refresh(order=order)
    finance = UserFactory(email="finance@digital-leaders.example")

    with django_capture_on_commit_callbacks(execute=True):
        partial = refund_amount(
            order=order, amount=Decimal("50.00"), reason="Goodwill", by=finance
        )
    with django_capture_on_commit_callbacks(execute=True):
        rest = refund_amount(
            order=order, amount=Decimal("190.00"), reason="Event moved", by=finance
        )

    partial.refresh_from_db()
    rest.refresh_from_db()
    assert partial.state == rest.state == Refund.State.SUCCEEDED
    assert partial.stripe_refund_id.startswith("re_")
    assert rest.stripe_refund_id.startswith("re_")
    at_stripe = {r["id"]: r["amount"] for r in _refunds_at_stripe(settings, intent_id)}
    assert at_stripe == {partial.stripe_refund_id: 5000, rest.stripe_refund_id: 19000}
    assert Order.objects.get(pk=order.pk).state == Order.State.REFUNDED


def test_submitting_a_refund_again_sends_nothing_more(
    book, settings, django_capture_on_commit_callbacks
):
    order = book()
    intent_id = start_and_pay(order, settings)
    card_payment_refresh(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_amount(order=order, amount=Decimal("20.00"), reason="Goodwill", by=None)
    refund.refresh_from_db()

    again = refund_submit(refund=refund)

    assert again.stripe_refund_id == refund.stripe_refund_id
    assert len(_refunds_at_stripe(settings, intent_id)) == 1


def test_a_refund_stripe_refuses_is_failed_and_flagged(book, settings):
    order = book()
    started = card_payment_start(order=order)  # never paid: Stripe has nothing to refund
    payment = started.payment
    refund = Refund.objects.create(
        payment=payment, amount=Decimal("10.00"), reason="Test", idempotency_key="refund-test-1"
    )

    refund = refund_submit(refund=refund)

    assert refund.state == Refund.State.FAILED
    assert refund.failure_message
    order.refresh_from_db()
    assert order.flagged
    assert "Refund of £10.00 failed" in order.flag_reason


def test_cancelling_a_card_paid_place_refunds_one_place_with_a_credit_note(
    book, settings, django_capture_on_commit_callbacks
):
    order = book(places=2)
    intent_id = start_and_pay(order, settings)
    card_payment_refresh(order=order)
    place = order.event_registrations.order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=place)

    credit_note = CreditNote.objects.get(order=order)
    assert credit_note.total_gross == Decimal("120.00")
    refund = Refund.objects.get(payment__order=order)
    assert (refund.state, refund.amount, refund.credit_note) == (
        Refund.State.SUCCEEDED,
        Decimal("120.00"),
        credit_note,
    )
    assert [r["amount"] for r in _refunds_at_stripe(settings, intent_id)] == [12000]
    assert refund.stripe_refund_id == _refunds_at_stripe(settings, intent_id)[0]["id"]


def test_my_bookings_and_the_confirmation_offer_to_pay_a_held_booking(book, client, booker):
    order = book()
    client.force_login(booker)
    pay_url = reverse("payments:pay", args=[order.reference])
    event = order.event_registrations.get().event

    bookings = client.get(reverse("my:list")).content.decode()
    done = client.get(reverse("events:book_done", args=[event.slug, order.reference]))

    assert f'href="{pay_url}"' in bookings
    assert f'href="{pay_url}"' in done.content.decode()
