"""Stripe's webhook: real signed deliveries from localstripe, and events signed as Stripe signs.

localstripe sends payment_intent events itself; it never sends charge.refunded or
disputes, so those are signed here with Stripe's scheme, about charges that are real
on localstripe (processing fetches them from there).
"""

import threading
import time
from decimal import Decimal

import pytest
import requests
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse

from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from payments import stripe_gateway
from payments.models import Order, Payment, Refund, StripeEvent
from payments.services import card as card_services
from payments.services.card import (
    UnknownPayment,
    card_payment_refresh,
    card_payment_start,
    stripe_event_process,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory
from tests.payments.conftest import event_payload, sign

SECRET = {"Authorization": "Bearer sk_test_localstripe"}
URL = "/payments/stripe/webhook/"


def _card_order() -> Order:
    event = EventFactory(title="Share Digital")
    ticket = TicketTypeFactory(event=event, name="Member", price_net=Decimal("100.00"))
    booker = UserFactory()
    return booking_create(
        event_id=event.pk,
        booker=booker,
        booker_name="Rhian Pritchard",
        booker_email=booker.email,
        places=[
            PlaceRequest(ticket.pk, DelegateDetails("Gareth", "Evans", "gareth@conwy.gov.uk"))
        ],
        payment_method="card",
    )


def _confirm(settings, intent_id, payment_method="pm_card_visa"):
    base = settings.STRIPE_API_BASE
    requests.post(
        f"{base}/v1/payment_intents/{intent_id}",
        data={"payment_method": payment_method},
        headers=SECRET,
        timeout=10,
    ).raise_for_status()
    return requests.post(
        f"{base}/v1/payment_intents/{intent_id}/confirm", headers=SECRET, timeout=10
    )


@pytest.fixture
def processed():
    """Wait, without polling, for the live server to commit a processed Stripe event.

    localstripe delivers about a second after the API call that caused the
    event; the live server runs in this process, so the commit that marks the
    event processed sets a threading.Event the test waits on.
    """
    done: dict[tuple[str, str], threading.Event] = {}
    lock = threading.Lock()

    def flag(event_type: str, intent_id: str) -> threading.Event:
        with lock:
            return done.setdefault((event_type, intent_id), threading.Event())

    def on_save(sender, instance, **kwargs):
        if instance.processed_at is not None:
            obj_id = instance.payload.get("data", {}).get("object", {}).get("id", "")
            transaction.on_commit(flag(instance.type, obj_id).set)

    post_save.connect(on_save, sender=StripeEvent, weak=False)

    def wait(event_type: str, intent_id: str, *, seconds: float = 20.0) -> StripeEvent:
        if not flag(event_type, intent_id).wait(timeout=seconds):
            pytest.fail(f"No processed {event_type} for {intent_id} within {seconds} seconds")
        return StripeEvent.objects.get(type=event_type, payload__data__object__id=intent_id)

    yield wait
    post_save.disconnect(on_save, sender=StripeEvent)


@pytest.mark.django_db(transaction=True)
class TestDeliveriesFromLocalstripe:
    def test_a_delivered_success_marks_the_order_paid(
        self, localstripe_webhook, processed, settings
    ):
        order = _card_order()
        started = card_payment_start(order=order)
        intent_id = started.payment.stripe_payment_intent_id

        _confirm(settings, intent_id).raise_for_status()
        event = processed("payment_intent.succeeded", intent_id)

        assert event.error == ""
        order.refresh_from_db()
        assert order.state == Order.State.PAID
        assert Payment.objects.get(order=order).state == Payment.State.SUCCEEDED
        assert set(order.event_registrations.values_list("state", flat=True)) == {"confirmed"}

    def test_a_delivered_decline_records_the_message(
        self, localstripe_webhook, processed, settings
    ):
        order = _card_order()
        intent_id = card_payment_start(order=order).payment.stripe_payment_intent_id

        assert _confirm(settings, intent_id, "pm_card_chargeCustomerFail").status_code == 402
        processed("payment_intent.payment_failed", intent_id)

        payment = Payment.objects.get(order=order)
        assert (payment.state, payment.failure_message) == ("failed", "Your card was declined.")
        assert Order.objects.get(pk=order.pk).state == Order.State.PENDING


def _deliver(client, payload, signature=None, **headers):
    if signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(URL, data=payload, content_type="application/json", **headers)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a signed event to the webhook and run the processing it queues."""

    def deliver(event_id, event_type, obj, **sign_kwargs):
        payload = event_payload(event_id, event_type, obj)
        with django_capture_on_commit_callbacks(execute=True):
            return _deliver(client, payload, sign(payload, **sign_kwargs))

    return deliver


@pytest.fixture
def paid_order(settings):
    """An order paid by card on localstripe; yield (order, payment)."""
    order = _card_order()
    intent_id = card_payment_start(order=order).payment.stripe_payment_intent_id
    _confirm(settings, intent_id).raise_for_status()
    card_payment_refresh(order=order)
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    return order, Payment.objects.get(order=order)


@pytest.mark.django_db
@pytest.mark.usefixtures("stripe_settings")
class TestSignatures:
    @pytest.mark.parametrize(
        "how",
        ["unsigned", "tampered", "stale", "wrong secret", "garbage header"],
    )
    def test_a_bad_signature_is_refused_and_nothing_is_stored(self, client, how):
        payload = event_payload("evt_bad", "payment_intent.succeeded", {"id": "pi_x"})
        signature = {
            "unsigned": None,
            "tampered": sign(payload),
            "stale": sign(payload, timestamp=int(time.time()) - 301),
            "wrong secret": sign(payload, secret="whsec_someone_else"),
            "garbage header": "nonsense",
        }[how]
        if how == "tampered":
            payload = payload.replace("pi_x", "pi_y")

        response = _deliver(client, payload, signature)

        assert response.status_code == 400
        assert not StripeEvent.objects.exists()

    def test_without_a_webhook_secret_nothing_is_accepted(self, client, settings):
        payload = event_payload("evt_1", "customer.created", {"id": "cus_1"})
        signature = sign(payload)
        settings.STRIPE_WEBHOOK_SECRET = ""

        assert _deliver(client, payload, signature).status_code == 400
        assert not StripeEvent.objects.exists()

    def test_only_post_is_allowed(self, client):
        assert client.get(URL).status_code == 405

    def test_an_unknown_type_is_stored_and_marked_processed(self, deliver):
        response = deliver("evt_customer", "customer.created", {"id": "cus_1"})

        assert response.status_code == 200
        event = StripeEvent.objects.get(stripe_id="evt_customer")
        assert event.type == "customer.created"
        assert event.processed_at is not None
        assert event.payload["data"]["object"]["id"] == "cus_1"


@pytest.mark.django_db
@pytest.mark.usefixtures("stripe_settings")
class TestProcessing:
    def test_the_same_event_twice_is_stored_once_and_processed_once(
        self, deliver, settings, monkeypatch
    ):
        order = _card_order()
        intent_id = card_payment_start(order=order).payment.stripe_payment_intent_id
        _confirm(settings, intent_id).raise_for_status()
        handled = []
        real_handler = card_services._event_handler
        monkeypatch.setattr(
            card_services, "_event_handler", lambda e: handled.append(e.pk) or real_handler(e)
        )

        first = deliver("evt_twice", "payment_intent.succeeded", {"id": intent_id})
        processed_at = StripeEvent.objects.get(stripe_id="evt_twice").processed_at
        second = deliver("evt_twice", "payment_intent.succeeded", {"id": intent_id})

        assert first.status_code == second.status_code == 200
        assert StripeEvent.objects.filter(stripe_id="evt_twice").count() == 1
        event = StripeEvent.objects.get(stripe_id="evt_twice")
        assert event.processed_at == processed_at
        assert handled == [event.pk]
        assert Order.objects.get(pk=order.pk).state == Order.State.PAID

    def test_a_success_before_we_recorded_the_payment_still_pays_the_order(
        self, deliver, settings
    ):
        # The intent was made, but our Payment row never was (a crash, or not committed yet).
        order = _card_order()
        intent = stripe_gateway.payment_intent_create(
            amount=12000,
            currency="gbp",
            order_reference=order.reference,
            description="",
            idempotency_key=f"lost-{order.reference}",
        )
        _confirm(settings, intent.id).raise_for_status()

        # The body is stale (it still says unpaid): what Stripe says now is what counts.
        deliver(
            "evt_early",
            "payment_intent.succeeded",
            {"id": intent.id, "status": "requires_payment_method"},
        )

        order.refresh_from_db()
        assert order.state == Order.State.PAID
        payment = Payment.objects.get(order=order)
        assert (payment.stripe_payment_intent_id, payment.state, payment.amount) == (
            intent.id,
            Payment.State.SUCCEEDED,
            Decimal("120.00"),
        )

    def test_a_failure_arriving_after_the_success_undoes_nothing(self, deliver, paid_order):
        order, payment = paid_order

        deliver(
            "evt_late_failure",
            "payment_intent.payment_failed",
            {"id": payment.stripe_payment_intent_id, "status": "requires_payment_method"},
        )

        payment.refresh_from_db()
        assert payment.state == Payment.State.SUCCEEDED
        assert Order.objects.get(pk=order.pk).state == Order.State.PAID
        assert StripeEvent.objects.get(stripe_id="evt_late_failure").processed_at is not None

    def test_a_forged_success_for_an_unpaid_intent_does_not_pay(self, deliver):
        order = _card_order()
        intent_id = card_payment_start(order=order).payment.stripe_payment_intent_id

        deliver(
            "evt_forged",
            "payment_intent.succeeded",
            {"id": intent_id, "status": "succeeded", "amount": 12000, "currency": "gbp"},
        )

        assert Order.objects.get(pk=order.pk).state == Order.State.PENDING
        assert Payment.objects.get(order=order).state == Payment.State.PENDING
        assert StripeEvent.objects.get(stripe_id="evt_forged").processed_at is not None

    def test_a_refund_made_in_stripe_is_recorded_and_flagged(self, deliver, paid_order, settings):
        order, payment = paid_order
        made = requests.post(
            f"{settings.STRIPE_API_BASE}/v1/refunds",
            data={"payment_intent": payment.stripe_payment_intent_id, "amount": "5000"},
            headers=SECRET,
            timeout=10,
        ).json()

        deliver("evt_refunded", "charge.refunded", {"id": made["charge"], "object": "charge"})

        refund = Refund.objects.get(payment=payment)
        assert (refund.stripe_refund_id, refund.amount, refund.state) == (
            made["id"],
            Decimal("50.00"),
            Refund.State.SUCCEEDED,
        )
        order.refresh_from_db()
        assert order.flagged
        assert f"Refund {made['id']} of £50.00 was made in Stripe" in order.flag_reason

    def test_charge_refunded_settles_our_own_refund(
        self, deliver, paid_order, django_capture_on_commit_callbacks, monkeypatch
    ):
        order, payment = paid_order
        from payments.services.refunds import refund_amount

        # Stripe takes the refund but we never hear back: it stays pending without its id.
        with (
            monkeypatch.context() as patch,
            django_capture_on_commit_callbacks(execute=True),
        ):
            patch.setattr(card_services, "_refund_settle", lambda refund, *a, **k: refund)
            refund = refund_amount(
                order=order, amount=Decimal("30.00"), reason="Goodwill", by=None
            )
        refund.refresh_from_db()
        assert (refund.state, refund.stripe_refund_id) == (Refund.State.PENDING, "")
        charge_id = stripe_gateway.payment_intent_retrieve(
            payment.stripe_payment_intent_id
        ).latest_charge_id

        deliver("evt_our_refund", "charge.refunded", {"id": charge_id, "object": "charge"})

        refund.refresh_from_db()
        assert refund.state == Refund.State.SUCCEEDED
        assert refund.stripe_refund_id.startswith("re_")
        assert Refund.objects.filter(payment=payment).count() == 1
        assert not Order.objects.get(pk=order.pk).flagged

    def test_a_dispute_flags_the_order(self, deliver, paid_order):
        order, payment = paid_order

        deliver(
            "evt_dispute",
            "charge.dispute.created",
            {
                "id": "dp_test",
                "object": "dispute",
                "charge": payment.stripe_charge_id,
                "amount": 12000,
                "currency": "gbp",
                "reason": "fraudulent",
                "status": "needs_response",
            },
        )

        order.refresh_from_db()
        assert order.flagged
        assert order.flag_reason.startswith("Card payment disputed: £120.00 (fraudulent)")
        assert order.state == Order.State.PAID

    def test_an_error_is_stored_on_the_event_and_raised_for_a_retry(self):
        event = StripeEvent.objects.create(
            stripe_id="evt_unknown",
            type="charge.refunded",
            payload={"data": {"object": {"id": "ch_nobody_knows"}}},
        )

        with pytest.raises(stripe_gateway.StripeRefused):
            stripe_event_process(event=event)

        event.refresh_from_db()
        assert event.processed_at is None
        assert "StripeRefused" in event.error

    def test_a_payment_of_no_order_of_ours_is_an_error(self, settings):
        intent = stripe_gateway.payment_intent_create(
            amount=500, currency="gbp", order_reference="", description="", idempotency_key="x1"
        )
        _confirm(settings, intent.id).raise_for_status()
        event = StripeEvent.objects.create(
            stripe_id="evt_stranger",
            type="payment_intent.succeeded",
            payload={"data": {"object": {"id": intent.id}}},
        )

        with pytest.raises(UnknownPayment):
            stripe_event_process(event=event)

        assert "UnknownPayment" in StripeEvent.objects.get(pk=event.pk).error


def test_the_webhook_secret_is_read_when_each_event_arrives(settings):
    payload = event_payload("evt_now", "customer.created", {"id": "cus_1"})
    signature = sign(payload, secret="whsec_first")

    settings.STRIPE_WEBHOOK_SECRET = "whsec_first"
    accepted = stripe_gateway.webhook_event_construct(
        payload=payload.encode(), signature=signature
    )
    settings.STRIPE_WEBHOOK_SECRET = "whsec_rotated"

    assert accepted["id"] == "evt_now"
    with pytest.raises(stripe_gateway.WebhookSignatureInvalid):
        stripe_gateway.webhook_event_construct(payload=payload.encode(), signature=signature)
    assert reverse("payments:stripe_webhook") == URL
