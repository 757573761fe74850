"""Paying by card: the payment page, the page the payer returns to, and Stripe's webhook.

The payment pages are for the order's booker only; anyone else gets 404.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.exceptions import DomainError
from payments import hooks
from payments.documents import PDF_MIMETYPE, document_get_for_booker, document_pdf_bytes
from payments.models import Order
from payments.services.card import (
    NotTestServer,
    OrderAlreadyPaid,
    card_payment_confirm_on_test_server,
    card_payment_page,
    card_payment_refresh,
    card_payment_start,
    stripe_event_receive,
)
from payments.stripe_gateway import WebhookSignatureInvalid, is_test_server

logger = logging.getLogger(__name__)


def _booker_order(request, reference: str) -> Order:
    return get_object_or_404(Order, reference=reference, booker=request.user)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pay(request, reference):
    """The payment page (GET); its script POSTs here for the PaymentIntent's client secret."""
    order = _booker_order(request, reference)
    if request.method == "POST":
        return_url = reverse("payments:pay_return", args=[order.reference])
        try:
            started = card_payment_start(order=order)
        except OrderAlreadyPaid:
            return JsonResponse({"redirect": return_url})
        except DomainError as error:
            return JsonResponse({"error": error.message}, status=error.status_code)
        return JsonResponse({"client_secret": started.client_secret})

    page = card_payment_page(order=order)
    return render(
        request,
        "payments/pay.html",
        {
            "page": page,
            "order": order,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "test_server": is_test_server(),
            "order_page": hooks.order_page(order),
        },
    )


@login_required
@require_POST
def pay_test_card(request, reference):
    """On a Stripe test server only: confirm the payment with a tokenised card (see payment.js)."""
    order = _booker_order(request, reference)
    try:
        confirmed = card_payment_confirm_on_test_server(
            order=order,
            client_secret=request.POST.get("client_secret", ""),
            token=request.POST.get("token", ""),
        )
    except NotTestServer as error:
        raise Http404("Not a test server") from error
    except DomainError as error:
        return JsonResponse({"error": error.message}, status=error.status_code)
    return JsonResponse(
        {
            "client_secret": confirmed.client_secret,
            "id": confirmed.payment_intent_id,
            "status": confirmed.status,
            "error": confirmed.message or None,
        }
    )


@login_required
@require_safe
def pay_return(request, reference):
    """Where the payer lands after paying: Stripe is asked how it went, and the answer recorded.

    A GET that may record a payment: it records what Stripe says has already
    happened, so repeating it changes nothing.
    """
    order = _booker_order(request, reference)
    outcome = card_payment_refresh(
        order=order, payment_intent_id=request.GET.get("payment_intent", "")
    )
    return render(
        request,
        "payments/pay_return.html",
        {
            "outcome": outcome,
            "order": outcome.order,
            "order_page": hooks.order_page(outcome.order),
        },
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's webhook: check the signature, store the event, answer at once."""
    try:
        stripe_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookSignatureInvalid:
        logger.warning("Refused a Stripe webhook with a bad signature.")
        return HttpResponseBadRequest("Bad signature", content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


# --- the booker's own invoices and credit notes -----------------------------------------


def _document_pdf(request, *, kind: str, number: str) -> HttpResponse:
    # Only the booker who placed the order may download; for anyone else it is 404.
    document = document_get_for_booker(kind=kind, number=number, user=request.user)
    response = HttpResponse(document_pdf_bytes(document), content_type=PDF_MIMETYPE)
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def invoice_pdf(request, number):
    return _document_pdf(request, kind="invoice", number=number)


@login_required
@require_safe
def credit_note_pdf(request, number):
    return _document_pdf(request, kind="credit_note", number=number)
