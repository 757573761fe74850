"""Every call to Stripe. No other module imports the stripe library.

The settings are read on each call, never at import: tests and the demo point
the same code at localstripe (STRIPE_API_BASE). Each call gets its own
client, so no global stripe state is shared between threads. What comes back
is turned into small plain records, so the services never handle stripe
objects (stripe 16's are not dicts).
"""

from dataclasses import dataclass, field

import stripe
from django.conf import settings

from payments.exceptions import PaymentError

TIMEOUT_SECONDS = 20


class StripeNotConfigured(PaymentError):
    """Card payments are not available right now."""

    code = "stripe_not_configured"


class StripeUnavailable(PaymentError):
    """We could not reach our card payment provider. Try again in a few minutes."""

    code = "stripe_unavailable"


class StripeRefused(PaymentError):
    """Stripe refused the request: it will not succeed if tried again as it is."""

    code = "stripe_refused"


class CardDeclined(PaymentError):
    """Your card was declined."""

    code = "card_declined"


class WebhookSignatureInvalid(PaymentError):
    """The webhook event is unsigned, tampered with, stale or signed with another secret."""

    code = "webhook_signature_invalid"


@dataclass(frozen=True)
class Intent:
    """What we use of a PaymentIntent. Amounts are in pence, currency in lower case."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str
    order_reference: str
    latest_charge_id: str
    failure_message: str


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str
    amount: int
    currency: str
    charge_id: str
    payment_intent_id: str
    failure_reason: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Charge:
    id: str
    payment_intent_id: str
    amount: int
    amount_refunded: int
    currency: str
    refunds: tuple[StripeRefund, ...]


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def is_test_server() -> bool:
    """Say whether we talk to a Stripe test server (localstripe) rather than Stripe."""
    return bool(settings.STRIPE_API_BASE) and not settings.STRIPE_SECRET_KEY.startswith("sk_live")


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeNotConfigured()
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base.rstrip("/")} if base else None,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        # Retried requests carry the same idempotency key, so they are safe.
        max_network_retries=2,
    )


def _call(request):
    """Run one request, turning stripe's errors into ours."""
    try:
        return request(_client())
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or CardDeclined.__doc__, code=error.code) from error
    except (stripe.InvalidRequestError, stripe.PermissionError) as error:
        raise StripeRefused(error.user_message or str(error)) from error
    except stripe.StripeError as error:
        # Connection, rate limit, authentication and Stripe's own errors: worth a retry.
        raise StripeUnavailable() from error


def _id(value) -> str:
    """Return the id of a field Stripe may send as an id or expanded into an object."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return value["id"]


def _intent(obj) -> Intent:
    data = obj.to_dict()
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        currency=data["currency"].lower(),
        client_secret=data.get("client_secret") or "",
        order_reference=(data.get("metadata") or {}).get("order_reference", ""),
        latest_charge_id=_id(data.get("latest_charge")),
        failure_message=error.get("message") or "",
    )


def _refund(obj) -> StripeRefund:
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return StripeRefund(
        id=data["id"],
        status=data.get("status") or "pending",
        amount=int(data["amount"]),
        currency=(data.get("currency") or "").lower(),
        charge_id=_id(data.get("charge")),
        payment_intent_id=_id(data.get("payment_intent")),
        failure_reason=data.get("failure_reason") or "",
        metadata=dict(data.get("metadata") or {}),
    )


def payment_intent_create(
    *, amount: int, currency: str, order_reference: str, description: str, idempotency_key: str
) -> Intent:
    """Create a card PaymentIntent for `amount` pence. The same key gives the same intent."""
    params = {
        "amount": amount,
        "currency": currency,
        "payment_method_types": ["card"],
        "metadata": {"order_reference": order_reference, "description": description},
    }
    return _intent(
        _call(
            lambda client: client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
    )


def payment_intent_retrieve(payment_intent_id: str) -> Intent:
    return _intent(_call(lambda client: client.v1.payment_intents.retrieve(payment_intent_id)))


def payment_intent_cancel(payment_intent_id: str) -> Intent:
    return _intent(_call(lambda client: client.v1.payment_intents.cancel(payment_intent_id)))


def charge_retrieve(charge_id: str) -> Charge:
    """Fetch a charge and every refund made on it."""

    def fetch(client):
        charge = client.v1.charges.retrieve(charge_id).to_dict()
        refunds = client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
        return charge, [_refund(refund) for refund in refunds.auto_paging_iter()]

    charge, refunds = _call(fetch)
    return Charge(
        id=charge["id"],
        payment_intent_id=_id(charge.get("payment_intent")),
        amount=int(charge["amount"]),
        amount_refunded=int(charge.get("amount_refunded") or 0),
        currency=charge["currency"].lower(),
        refunds=tuple(refunds),
    )


def refund_create(
    *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
) -> StripeRefund:
    """Refund `amount` pence of a PaymentIntent. The same key gives the same refund."""
    params = {"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata}
    return _refund(
        _call(
            lambda client: client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
    )


def webhook_event_construct(*, payload: bytes, signature: str) -> dict:
    """Check the Stripe-Signature header and return the event as a dict.

    Raise WebhookSignatureInvalid if there is no secret, no signature, or it
    does not match the body and the secret within 300 seconds.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret or not signature:
        raise WebhookSignatureInvalid()
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise WebhookSignatureInvalid() from error
    return event.to_dict()


def localstripe_card_confirm(*, payment_intent_id: str, token_id: str) -> Intent:
    """Confirm a PaymentIntent on localstripe with the card behind a token.

    localstripe's Stripe.js cannot confirm with a card element, and its API
    cannot confirm with a new payment method, so on a test server the page
    tokenises the card and we attach it here. Never used with real Stripe.
    """
    if not is_test_server():
        raise StripeNotConfigured()

    def confirm(client):
        token = client.v1.tokens.retrieve(token_id).to_dict()
        client.v1.payment_intents.update(
            payment_intent_id, params={"payment_method": _id(token.get("card"))}
        )
        return client.v1.payment_intents.confirm(payment_intent_id)

    return _intent(_call(confirm))
