"""Card payments through Stripe: take them, record them once, refund them, hear from Stripe.

Stripe is never called while a row lock is held: each service asks Stripe
first (payments.stripe_gateway), then writes what it learnt in a short
transaction. What Stripe says is re-fetched rather than trusted from a
browser or a webhook body, so a lost, repeated, late or forged message
cannot mark anything paid that Stripe has not been paid.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from core.money import ZERO, format_gbp, from_pence, to_pence
from core.tasks import enqueue_on_commit
from payments import stripe_gateway as gateway
from payments.exceptions import PaymentError
from payments.models import Invoice, Order, OrderLine, Payment, Refund, StripeEvent
from payments.services.finance import invoice_amount_owed
from payments.services.orders import order_mark_paid
from payments.stripe_gateway import CardDeclined, Intent, StripeRefused

logger = logging.getLogger(__name__)

CURRENCY = "gbp"
PAYABLE_METHODS = {Order.PaymentMethod.CARD, Order.PaymentMethod.INVOICE}
# A PaymentIntent in one of these states can still be confirmed with a card.
REUSABLE = {"requires_payment_method", "requires_confirmation", "requires_action"}
REFUND_STATES = {
    "succeeded": Refund.State.SUCCEEDED,
    "failed": Refund.State.FAILED,
    "canceled": Refund.State.FAILED,
}


class OrderNotPayable(PaymentError):
    """This booking cannot be paid by card."""

    code = "order_not_payable"
    status_code = 409


class OrderAlreadyPaid(OrderNotPayable):
    """This booking has been paid."""

    code = "order_paid"


class UnknownPayment(PaymentError):
    """Stripe told us about a payment that belongs to none of our orders."""

    code = "unknown_payment"


class NotTestServer(PaymentError):
    """Only a Stripe test server needs this."""

    code = "not_test_server"
    status_code = 404


# --- Reading --------------------------------------------------------------------------


def amount_due(order: Order) -> Decimal:
    """Return what is left to pay on the order: its invoice's balance, or its gross."""
    invoice = Invoice.objects.filter(order=order).first()
    if invoice is not None:
        return invoice_amount_owed(invoice)
    received = order.payments.filter(state=Payment.State.SUCCEEDED).aggregate(total=Sum("amount"))[
        "total"
    ]
    return max(order.total_gross - (received or ZERO), ZERO)


def _payment_blocked(order: Order, now: datetime.datetime | None) -> tuple[str, str]:
    """Return (title, message) saying why the order cannot be paid by card now, or ("", "")."""
    now = now or timezone.now()
    if order.state == Order.State.PAID:
        return "This booking has been paid", f"Booking {order.reference} has been paid."
    held_until = order.expires_at if order.payment_method == Order.PaymentMethod.CARD else None
    if order.state == Order.State.EXPIRED or (held_until and held_until <= now):
        return "This booking has expired", (
            f"Booking {order.reference} has expired because it was not paid in time, "
            "and its places have been released. You can book again if places are left."
        )
    if order.state != Order.State.PENDING:
        return "This booking has been cancelled", (
            f"Booking {order.reference} has been cancelled. There is nothing to pay."
        )
    if order.payment_method not in PAYABLE_METHODS or amount_due(order) <= ZERO:
        return "There is nothing to pay", f"There is nothing to pay on booking {order.reference}."
    return "", ""


def card_payment_problem(order: Order, *, now: datetime.datetime | None = None) -> str:
    """Return why the order cannot be paid by card now, in the payer's words; "" if it can."""
    return _payment_blocked(order, now)[1]


@dataclass(frozen=True)
class PaymentPage:
    """What the payment page shows."""

    order: Order
    lines: list[OrderLine]
    amount_due: Decimal
    invoice: Invoice | None
    problem_title: str
    problem: str
    available: bool


def card_payment_page(*, order: Order, now: datetime.datetime | None = None) -> PaymentPage:
    """Gather what the payer sees before paying: lines, amount, and whether they can pay."""
    title, problem = _payment_blocked(order, now)
    return PaymentPage(
        order=order,
        lines=list(order.lines.all()),
        amount_due=amount_due(order),
        invoice=Invoice.objects.filter(order=order).first(),
        problem_title=title,
        problem=problem,
        available=gateway.is_configured(),
    )


# --- Taking a payment -------------------------------------------------------------------


@dataclass(frozen=True)
class CardPaymentStart:
    payment: Payment
    client_secret: str


def card_payment_start(*, order: Order, now: datetime.datetime | None = None) -> CardPaymentStart:
    """Create, or reuse, the PaymentIntent the payer confirms with their card.

    The intent is for what is due in pence, in GBP, with the order reference
    in its metadata and an idempotency key derived from the order, so two
    tabs (or a retry) get the same intent. Stripe is called with no lock
    held; then the Payment row is written in a short transaction that locks
    the order. Raise OrderNotPayable (OrderAlreadyPaid if Stripe says the
    last attempt went through), StripeNotConfigured or StripeUnavailable.
    """
    order = Order.objects.get(pk=order.pk)
    if problem := card_payment_problem(order, now=now):
        raise OrderNotPayable(problem)
    due = amount_due(order)
    pence = to_pence(due)

    latest = (
        order.payments.filter(method=Payment.Method.CARD)
        .exclude(stripe_payment_intent_id="")
        .order_by("-pk")
        .first()
    )
    if latest is not None and latest.state != Payment.State.SUCCEEDED:
        intent = gateway.payment_intent_retrieve(latest.stripe_payment_intent_id)
        if intent.status == "succeeded":
            card_payment_record(payment_intent=intent, now=now)
            raise OrderAlreadyPaid()
        if intent.status in {"processing", "requires_capture"}:
            raise OrderNotPayable(
                "Your last payment is still being processed. Check back in a few minutes."
            )
        if intent.status in REUSABLE and intent.amount == pence and intent.currency == CURRENCY:
            _payment_reopen(latest)
            return CardPaymentStart(payment=latest, client_secret=intent.client_secret)

    attempt = order.payments.filter(method=Payment.Method.CARD).count()
    intent = gateway.payment_intent_create(
        amount=pence,
        currency=CURRENCY,
        order_reference=order.reference,
        description=f"Booking {order.reference}",
        idempotency_key=f"pi-{order.reference}-{pence}-{attempt}",
    )
    return CardPaymentStart(
        payment=_payment_add(order, intent, now=now), client_secret=intent.client_secret
    )


def _payment_add(order: Order, intent: Intent, *, now) -> Payment:
    try:
        with transaction.atomic(durable=True):
            order = Order.objects.select_for_update().get(pk=order.pk)
            if problem := card_payment_problem(order, now=now):
                raise OrderNotPayable(problem)
            return Payment.objects.create(
                order=order,
                method=Payment.Method.CARD,
                state=Payment.State.PENDING,
                amount=from_pence(intent.amount),
                currency=intent.currency.upper(),
                stripe_payment_intent_id=intent.id,
            )
    except IntegrityError:
        # Another request made the same intent (same idempotency key) and recorded it first.
        return Payment.objects.get(stripe_payment_intent_id=intent.id)


def _payment_reopen(payment: Payment) -> None:
    """A declined attempt's intent is being tried again: it is pending once more."""
    if payment.state != Payment.State.FAILED:
        return
    with transaction.atomic(durable=True):
        Payment.objects.filter(pk=payment.pk, state=Payment.State.FAILED).update(
            state=Payment.State.PENDING, failure_message="", updated_at=timezone.now()
        )
    payment.refresh_from_db()


def _flag(order: Order, reason: str) -> None:
    """Put the order on finance's list of flagged orders, keeping earlier reasons."""
    logger.warning("Order %s flagged: %s", order.reference, reason)
    reasons = [r for r in order.flag_reason.split("; ") if r] if order.flagged else []
    if reason not in reasons:
        reasons.append(reason)
    order.flagged, order.flag_reason = True, "; ".join(reasons)[-300:]
    order.save(update_fields=["flagged", "flag_reason", "updated_at"])


def _lock_order_and_payment(intent: Intent) -> tuple[Order, Payment]:
    """Lock the intent's order, then its Payment row, creating the row if we never wrote it.

    Raise UnknownPayment if neither a Payment nor the metadata names an order.
    """
    known = Payment.objects.filter(stripe_payment_intent_id=intent.id).first()
    if known is not None:
        order_filter = {"pk": known.order_id}
    elif intent.order_reference:
        order_filter = {"reference": intent.order_reference}
    else:
        raise UnknownPayment(f"No order has PaymentIntent {intent.id}.")
    order = Order.objects.select_for_update().filter(**order_filter).first()
    if order is None:
        raise UnknownPayment(f"No order has PaymentIntent {intent.id}.")
    payment = (
        Payment.objects.select_for_update().filter(stripe_payment_intent_id=intent.id).first()
    )
    if payment is None:
        # The intent was made, but our write was lost (or has not committed yet).
        payment = Payment.objects.create(
            order=order,
            method=Payment.Method.CARD,
            amount=from_pence(intent.amount),
            currency=intent.currency.upper(),
            stripe_payment_intent_id=intent.id,
        )
    return order, payment


def card_payment_succeeded(
    *, payment_intent: Intent, now: datetime.datetime | None = None
) -> Payment | None:
    """Record a PaymentIntent that Stripe says has succeeded, and mark its order paid.

    `payment_intent` must come from Stripe just now, never from a browser or a
    webhook body. Idempotent: a second call for the same intent changes
    nothing. Money that does not match what is due (amount or currency), or
    arrives for an order no longer pending, is recorded and the order is
    flagged for finance; the order is not marked paid. Lock the order, then
    the payment, inside the caller's transaction if there is one. Return
    None, changing nothing, if the intent has not succeeded. Raise
    UnknownPayment if no order matches it.
    """
    if payment_intent.status != "succeeded":
        return None
    now = now or timezone.now()
    with transaction.atomic():
        order, payment = _lock_order_and_payment(payment_intent)
        if payment.state == Payment.State.SUCCEEDED:
            return payment
        due = amount_due(order)
        received = from_pence(payment_intent.amount)
        currency = payment_intent.currency.upper()
        matches = currency == "GBP" and received == payment.amount == due
        payment.state = Payment.State.SUCCEEDED
        payment.amount, payment.currency = received, currency
        payment.stripe_charge_id = payment_intent.latest_charge_id
        payment.received_on = timezone.localdate(now)
        payment.failure_message = ""
        payment.save()
        if order.state != Order.State.PENDING:
            _flag(
                order,
                f"Card payment {payment_intent.id} of {_money(received, currency)} arrived "
                f"when the order was {order.get_state_display().lower()}: refund or rebook",
            )
        elif not matches:
            _flag(
                order,
                f"Card payment {payment_intent.id} of {_money(received, currency)} does not "
                f"match the {format_gbp(due)} due: not marked paid",
            )
        else:
            order_mark_paid(order=order, now=now)
        return payment


def card_payment_failed(*, payment_intent: Intent) -> Payment | None:
    """Record a declined attempt, with Stripe's message; the order stays pending until it expires.

    `payment_intent` must come from Stripe just now. Never undoes a payment
    recorded as succeeded. Lock the order, then the payment. Return None,
    changing nothing, if the intent has not failed.
    """
    failed = payment_intent.status == "canceled" or (
        payment_intent.status == "requires_payment_method" and payment_intent.failure_message
    )
    if not failed:
        return None
    with transaction.atomic():
        _order, payment = _lock_order_and_payment(payment_intent)
        if payment.state == Payment.State.SUCCEEDED:
            return payment
        payment.state = Payment.State.FAILED
        payment.failure_message = (payment_intent.failure_message or "The payment was cancelled.")[
            :300
        ]
        payment.save(update_fields=["state", "failure_message", "updated_at"])
        return payment


def card_payment_record(*, payment_intent: Intent, now=None) -> Payment | None:
    """Record whatever Stripe says happened to the intent: succeeded, failed, or nothing yet."""
    if payment_intent.status == "succeeded":
        return card_payment_succeeded(payment_intent=payment_intent, now=now)
    return card_payment_failed(payment_intent=payment_intent)


def _money(amount: Decimal, currency: str) -> str:
    return format_gbp(amount) if currency == "GBP" else f"{amount} {currency}"


# --- After the payer comes back ---------------------------------------------------------


@dataclass(frozen=True)
class CardPaymentOutcome:
    """How the payer's card payment went, for the return page.

    status is one of: paid, received (money in, but finance must look at
    it), failed, waiting, closed (expired or cancelled), unknown (Stripe
    could not be asked).
    """

    status: str
    order: Order
    payment: Payment | None
    message: str = ""
    title: str = ""


def card_payment_refresh(
    *, order: Order, payment_intent_id: str = "", now: datetime.datetime | None = None
) -> CardPaymentOutcome:
    """Ask Stripe how the order's card payments went, record it, and say how it went.

    The payer's browser may say it succeeded, but only Stripe is believed:
    every unsettled card payment of the order is re-fetched (so a lost
    webhook never loses a payment), then recorded with
    card_payment_succeeded or card_payment_failed. `payment_intent_id` picks
    which attempt the payer means, if it is one of the order's.
    """
    open_payments = list(
        order.payments.filter(
            method=Payment.Method.CARD, state__in=[Payment.State.PENDING, Payment.State.FAILED]
        )
        .exclude(stripe_payment_intent_id="")
        .order_by("-pk")[:5]
    )
    reachable = True
    try:
        intents = [
            gateway.payment_intent_retrieve(p.stripe_payment_intent_id) for p in open_payments
        ]
    except (gateway.StripeNotConfigured, gateway.StripeUnavailable, StripeRefused):
        intents, reachable = [], False
    for intent in intents:
        card_payment_record(payment_intent=intent, now=now)

    order.refresh_from_db()
    card = order.payments.filter(method=Payment.Method.CARD).order_by("-pk")
    payment = (
        card.filter(stripe_payment_intent_id=payment_intent_id).first()
        if payment_intent_id
        else None
    )
    payment = payment or card.first()
    if order.state == Order.State.PAID:
        return CardPaymentOutcome("paid", order, payment)
    if payment is not None and payment.state == Payment.State.SUCCEEDED:
        return CardPaymentOutcome("received", order, payment)
    title, problem = _payment_blocked(order, now)
    if problem:
        return CardPaymentOutcome("closed", order, payment, problem, title)
    if not reachable:
        return CardPaymentOutcome("unknown", order, payment)
    if payment is not None and payment.state == Payment.State.FAILED:
        return CardPaymentOutcome("failed", order, payment, payment.failure_message)
    return CardPaymentOutcome("waiting", order, payment)


# --- On a Stripe test server (localstripe) only -------------------------------------------


@dataclass(frozen=True)
class TestServerConfirm:
    client_secret: str
    payment_intent_id: str
    status: str
    message: str = ""


def card_payment_confirm_on_test_server(
    *, order: Order, client_secret: str, token: str, now=None
) -> TestServerConfirm:
    """Confirm the order's PaymentIntent with a tokenised card, on localstripe only.

    localstripe's Stripe.js cannot confirm a payment with the card element
    (its confirmCardPayment only plays the 3-D Secure step), so on a test
    server the page tokenises the card and this attaches it server-side.
    localstripe cannot retry a declined intent either, so a declined one is
    cancelled and a new one made; its client secret is returned. Raise
    NotTestServer when talking to real Stripe, OrderNotPayable otherwise.
    """
    if not gateway.is_test_server():
        raise NotTestServer()
    intent_id = client_secret.split("_secret_")[0]
    payment = order.payments.filter(
        method=Payment.Method.CARD, stripe_payment_intent_id=intent_id
    ).first()
    if payment is None or not intent_id:
        raise OrderNotPayable("That payment is not for this booking. Reload the page.")
    if problem := card_payment_problem(order, now=now):
        raise OrderNotPayable(problem)

    intent = gateway.payment_intent_retrieve(intent_id)
    if intent.status == "requires_payment_method" and intent.latest_charge_id:
        gateway.payment_intent_cancel(intent_id)
        card_payment_failed(payment_intent=gateway.payment_intent_retrieve(intent_id))
        started = card_payment_start(order=order, now=now)
        client_secret = started.client_secret
        intent_id = started.payment.stripe_payment_intent_id
    try:
        intent = gateway.localstripe_card_confirm(payment_intent_id=intent_id, token_id=token)
    except CardDeclined as declined:
        card_payment_failed(payment_intent=gateway.payment_intent_retrieve(intent_id))
        return TestServerConfirm(
            client_secret, intent_id, "requires_payment_method", declined.message
        )
    return TestServerConfirm(client_secret, intent_id, intent.status)


# --- Refunds -----------------------------------------------------------------------------


def refund_submit(*, refund: Refund) -> Refund:
    """Send a pending refund to Stripe, once, and record what Stripe says.

    Idempotent: a refund already sent or settled is left alone, and Stripe's
    idempotency key (the refund's own) makes a retry after a lost answer the
    same refund. Stripe is called with no lock held. A refund Stripe refuses
    is marked failed and the order flagged for finance; raise
    StripeUnavailable (so the task is retried) if Stripe cannot be reached.
    """
    refund = Refund.objects.select_related("payment__order").get(pk=refund.pk)
    if refund.stripe_refund_id or refund.state != Refund.State.PENDING:
        return refund
    payment = refund.payment
    if payment.method != Payment.Method.CARD or not payment.stripe_payment_intent_id:
        return _refund_settle(
            refund, Refund.State.FAILED, message="Not a card payment: refund it by bank transfer."
        )
    try:
        result = gateway.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=to_pence(refund.amount),
            idempotency_key=refund.idempotency_key,
            metadata={
                "refund_key": refund.idempotency_key,
                "order_reference": payment.order.reference,
            },
        )
    except (StripeRefused, CardDeclined) as refused:
        return _refund_settle(refund, Refund.State.FAILED, message=refused.message)
    return _refund_settle(
        refund,
        REFUND_STATES.get(result.status, Refund.State.PENDING),
        stripe_refund_id=result.id,
        message=result.failure_reason,
    )


def _refund_settle(refund: Refund, state: str, *, stripe_refund_id: str = "", message: str = ""):
    """Write a refund's Stripe id and state; lock the order, then the refund."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.payment.order_id)
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
        if refund.state == Refund.State.SUCCEEDED:
            return refund
        if stripe_refund_id:
            refund.stripe_refund_id = stripe_refund_id
        refund.state = state
        refund.failure_message = message[:300] if state == Refund.State.FAILED else ""
        refund.save(update_fields=["stripe_refund_id", "state", "failure_message", "updated_at"])
        if state == Refund.State.FAILED:
            _flag(
                order,
                f"Refund of {format_gbp(refund.amount)} failed: {message or 'no reason given'}",
            )
        return refund


# --- Webhook events ------------------------------------------------------------------------


def stripe_event_receive(*, payload: bytes, signature: str) -> StripeEvent:
    """Store a webhook event once, after checking its signature, and queue its processing.

    Raise WebhookSignatureInvalid (storing nothing) if the signature is
    missing, wrong, for another secret or more than 300 seconds old. A
    second delivery of a stored event changes nothing; it is queued again
    only if it has not been processed yet (processing is idempotent).
    """
    data = gateway.webhook_event_construct(payload=payload, signature=signature)
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise gateway.WebhookSignatureInvalid("The event has no id or type.")
    with transaction.atomic(durable=True):
        event, created = StripeEvent.objects.get_or_create(
            stripe_id=data["id"], defaults={"type": data["type"][:64], "payload": data}
        )
        if created or event.processed_at is None:
            enqueue_on_commit("payments.tasks.process_stripe_event", event.pk)
    return event


def stripe_event_process(
    *, event: StripeEvent, now: datetime.datetime | None = None
) -> StripeEvent:
    """Act on a stored webhook event, once.

    The event's object is fetched from Stripe again (no lock held), because
    events arrive out of order and their bodies may be stale. Then, under the
    event row's lock, it is applied and processed_at set. Handled:
    payment_intent.succeeded and payment_intent.payment_failed (the intent's
    current state is recorded), charge.refunded (refunds matched, unknown
    ones recorded and flagged), charge.dispute.created (order flagged).
    Other types are marked processed. An error is stored on the event and
    raised again, so that the task is retried.
    """
    event = StripeEvent.objects.get(pk=event.pk)
    if event.processed_at is not None:
        return event
    try:
        apply = _event_handler(event)
        with transaction.atomic(durable=True):
            locked = StripeEvent.objects.select_for_update().get(pk=event.pk)
            if locked.processed_at is not None:
                return locked
            apply()
            locked.processed_at, locked.error = now or timezone.now(), ""
            locked.save(update_fields=["processed_at", "error"])
            return locked
    except Exception as error:
        StripeEvent.objects.filter(pk=event.pk).update(error=f"{type(error).__name__}: {error}")
        raise


def _event_object(event: StripeEvent) -> dict:
    return ((event.payload or {}).get("data") or {}).get("object") or {}


def _event_handler(event: StripeEvent):
    """Fetch what the event is about from Stripe; return the function that records it."""
    obj = _event_object(event)
    if event.type in {"payment_intent.succeeded", "payment_intent.payment_failed"}:
        intent = gateway.payment_intent_retrieve(obj["id"])
        return lambda: card_payment_record(payment_intent=intent)
    if event.type == "charge.refunded":
        charge = gateway.charge_retrieve(obj["id"])
        return lambda: _charge_refunds_record(charge)
    if event.type == "charge.dispute.created":
        # Stripe test servers keep no disputes: the charge disputed is what is fetched.
        charge = gateway.charge_retrieve(_object_id(obj.get("charge")))
        amount = from_pence(int(obj.get("amount") or 0))
        reason = str(obj.get("reason") or "no reason given").replace("_", " ")
        return lambda: _dispute_record(charge, amount=amount, reason=reason)
    return lambda: None


def _object_id(value) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _payment_for_charge(charge: gateway.Charge) -> Payment:
    payment = (
        Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent_id).first()
        if charge.payment_intent_id
        else None
    )
    payment = payment or Payment.objects.filter(stripe_charge_id=charge.id).first()
    if payment is None:
        raise UnknownPayment(f"No payment of ours has charge {charge.id}.")
    return payment


def _charge_refunds_record(charge: gateway.Charge) -> None:
    """Settle our refunds from the charge's refunds; record and flag any made outside."""
    payment = _payment_for_charge(charge)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    for made in charge.refunds:
        state = REFUND_STATES.get(made.status, Refund.State.PENDING)
        ours = Refund.objects.select_for_update().filter(stripe_refund_id=made.id).first()
        key = made.metadata.get("refund_key")
        if ours is None and key:
            ours = (
                Refund.objects.select_for_update()
                .filter(payment=payment, idempotency_key=key)
                .first()
            )
        if ours is not None:
            if ours.state != Refund.State.SUCCEEDED:
                _refund_settle(ours, state, stripe_refund_id=made.id, message=made.failure_reason)
            continue
        amount = from_pence(made.amount)
        Refund.objects.create(
            payment=payment,
            amount=amount,
            reason="Refunded in Stripe, not through this service",
            state=state,
            stripe_refund_id=made.id,
            idempotency_key=f"stripe-{made.id}",
            failure_message=made.failure_reason[:300] if state == Refund.State.FAILED else "",
        )
        _flag(
            order,
            f"Refund {made.id} of {format_gbp(amount)} was made in Stripe, not here: "
            "issue a credit note if it stands",
        )


def _dispute_record(charge: gateway.Charge, *, amount: Decimal, reason: str) -> None:
    payment = _payment_for_charge(charge)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    _flag(order, f"Card payment disputed: {format_gbp(amount)} ({reason}), charge {charge.id}")
