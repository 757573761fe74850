"""The booking flow (question pages ending in one call to booking_create) and the waiting list.

The answers so far live in the session, one draft per event, until the
booker confirms; nothing is written to the database before then.
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.selectors import user_is_member
from core.exceptions import DomainError
from core.money import ZERO, Price, price
from events.booking_forms import (
    DELEGATE_FIELDS,
    DelegateForms,
    PaymentForm,
    QuantitiesForm,
    WaitingListForm,
)
from events.exceptions import RegistrationClosed
from events.models import DiscountCode, Event, TicketType, WaitingListEntry
from events.selectors import (
    Availability,
    event_availability,
    event_get_for_page,
    ticket_offers,
)
from events.services.booking import (
    DelegateDetails,
    PlaceRequest,
    booking_create,
    discount_code_check,
    discounted_unit_net,
    offer_check,
)
from events.services.waiting_list import waiting_list_join
from payments.forms import card_payments_offered
from payments.models import Order
from payments.services import Billing

SESSION_KEY = "booking:{slug}"


@dataclass
class BookingDraft:
    """The booker's answers so far, kept in the session as JSON-able data."""

    quantities: dict[str, int] = field(default_factory=dict)
    discount_code: str = ""
    offer_token: str = ""
    delegates: list[dict] = field(default_factory=list)
    payment: dict = field(default_factory=dict)

    @classmethod
    def load(cls, request, slug: str) -> "BookingDraft":
        data = request.session.get(SESSION_KEY.format(slug=slug)) or {}
        try:
            return cls(**data)
        except TypeError:
            # A draft saved by an older version of these pages: start again.
            return cls()

    def save(self, request, slug: str) -> None:
        request.session[SESSION_KEY.format(slug=slug)] = asdict(self)

    @staticmethod
    def clear(request, slug: str) -> None:
        request.session.pop(SESSION_KEY.format(slug=slug), None)


@dataclass(frozen=True)
class Line:
    """One ticket type's places, priced as booking_create will price them."""

    ticket_type: TicketType
    quantity: int
    unit: Price
    full_unit: Price
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def discounted(self) -> bool:
        return self.unit != self.full_unit


@dataclass
class Basket:
    """What the draft adds up to now: the places in order, the lines and the totals."""

    places: list[TicketType]
    lines: list[Line]
    code: DiscountCode | None
    code_error: str
    total_net: Decimal = ZERO
    total_vat: Decimal = ZERO

    @property
    def total_gross(self) -> Decimal:
        return self.total_net + self.total_vat

    @property
    def needs_payment(self) -> bool:
        return self.total_gross > ZERO


def _judge_discount_code(raw: str, *, event: Event, now) -> DiscountCode | None:
    return discount_code_check(event=event, code=raw, now=now)


def _judge_offer(token: str, *, event: Event, now) -> WaitingListEntry | None:
    return offer_check(event=event, token=token, now=now)


def _basket(event: Event, draft: BookingDraft, *, now) -> Basket:
    ticket_types = TicketType.objects.filter(
        event=event, pk__in=[int(pk) for pk in draft.quantities if pk.isdigit()]
    ).order_by("position", "price_net", "pk")
    code, code_error = None, ""
    if draft.discount_code:
        try:
            code = _judge_discount_code(draft.discount_code, event=event, now=now)
        except DomainError as err:
            code_error = err.message
    basket = Basket(places=[], lines=[], code=code, code_error=code_error)
    for ticket_type in ticket_types:
        quantity = draft.quantities[str(ticket_type.pk)]
        if quantity <= 0:
            continue
        # The same rounding as the order: price one place, then multiply.
        unit = price(discounted_unit_net(ticket_type.price_net, code), ticket_type.vat_rate)
        line = Line(
            ticket_type=ticket_type,
            quantity=quantity,
            unit=unit,
            full_unit=ticket_type.price,
            net=unit.net * quantity,
            vat=unit.vat * quantity,
        )
        basket.lines.append(line)
        basket.places.extend([ticket_type] * quantity)
        basket.total_net += line.net
        basket.total_vat += line.vat
    return basket


def _delegates_complete(draft: BookingDraft, basket: Basket) -> bool:
    return len(draft.delegates) == len(basket.places) and all(
        d.get("first_name") and d.get("last_name") and d.get("email") for d in draft.delegates
    )


def _payment_complete(draft: BookingDraft) -> bool:
    method = draft.payment.get("method")
    if method == PaymentForm.CARD:
        return card_payments_offered()
    if method == PaymentForm.INVOICE:
        return all(
            draft.payment.get(name)
            for name in ("billing_organisation", "billing_address", "billing_postcode")
        )
    return False


def _first_missing_step(draft: BookingDraft, basket: Basket) -> str | None:
    """Return the name of the first step still to answer, or None when all are answered."""
    if not basket.places:
        return "book"
    if not _delegates_complete(draft, basket):
        return "book_delegates"
    if basket.needs_payment and not _payment_complete(draft):
        return "book_payment"
    return None


def _step_url(event: Event, step: str | None) -> str:
    return reverse(f"events:{step or 'book_check'}", kwargs={"slug": event.slug})


def waiting_list_open(event: Event, availability: Availability, *, now) -> bool:
    """Say whether the event takes names for its waiting list: open for booking, but full."""
    return (
        event.status == Event.Status.PUBLISHED
        and availability.places_left == 0
        and now < event.registration_closes
        and not (event.registration_opens_at and now < event.registration_opens_at)
    )


def _load(request, slug: str):
    event = event_get_for_page(slug=slug, user=request.user)
    draft = BookingDraft.load(request, slug)
    return event, draft, _basket(event, draft, now=timezone.now())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def book(request, slug):
    """Step 1: how many places of each ticket type, and a discount code."""
    event = event_get_for_page(slug=slug, user=request.user)
    now = timezone.now()
    draft = BookingDraft.load(request, slug)

    offer, offer_problem = None, ""
    token = request.GET.get("offer", draft.offer_token).strip()
    if token:
        try:
            offer = _judge_offer(token, event=event, now=now)
        except DomainError as err:
            offer_problem = err.message
        draft.offer_token = offer.offer_token if offer else ""
        draft.save(request, slug)
    if offer is not None:
        # The place the offer holds counts as taken for everyone but its holder.
        event.places_taken -= 1

    availability = event_availability(event=event, now=now)
    offers = ticket_offers(event=event, user=request.user, now=now)
    members_only = (
        event.members_only
        and availability.registration_open
        and not user_is_member(user=request.user)
    )
    on_sale = [] if members_only else [o.ticket_type for o in offers if o.available]
    initial = {QuantitiesForm.field_name(t): draft.quantities.get(str(t.pk), 0) for t in on_sale}
    initial["discount_code"] = draft.discount_code
    form = QuantitiesForm(
        request.POST if request.method == "POST" and on_sale else None,
        ticket_types=on_sale,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["discount_code"]
        try:
            _judge_discount_code(code, event=event, now=now)
        except DomainError as err:
            form.add_error("discount_code", err.message)
        else:
            draft.quantities, draft.discount_code = form.quantities(), code
            draft.save(request, slug)
            basket = _basket(event, draft, now=now)
            return redirect(_step_url(event, _first_missing_step(draft, basket)))

    return render(
        request,
        "events/booking/choose.html",
        {
            "event": event,
            "form": form,
            "on_sale": bool(on_sale),
            "availability": availability,
            "waiting_list_open": waiting_list_open(event, availability, now=now),
            "not_on_sale": [o for o in offers if not o.available],
            "members_only": members_only,
            "offer": offer,
            "offer_problem": offer_problem,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def book_delegates(request, slug):
    """Step 2: who each place is for."""
    event, draft, basket = _load(request, slug)
    if not basket.places:
        return redirect(_step_url(event, "book"))
    forms = DelegateForms(
        request.POST if request.method == "POST" else None,
        places=basket.places,
        booker=request.user,
        initial=draft.delegates,
    )
    if request.method == "POST" and forms.is_valid():
        draft.delegates = forms.delegates()
        draft.save(request, slug)
        return redirect(_step_url(event, _first_missing_step(draft, basket)))
    return render(
        request,
        "events/booking/delegates.html",
        {
            "event": event,
            "forms": forms,
            "errors": forms.errors if forms.forms[0].is_bound else [],
            "booker": forms.forms[0].booker_details,
        },
    )


def _payment_initial(draft: BookingDraft, user) -> dict:
    if draft.payment:
        return {**draft.payment, "payment_method": draft.payment.get("method")}
    # A repeat booker usually invoices the same place as last time.
    last = (
        Order.objects.filter(booker=user, payment_method=Order.PaymentMethod.INVOICE)
        .order_by("-created_at")
        .first()
    )
    if last is not None:
        return {
            "billing_organisation": last.billing_organisation,
            "billing_address": last.billing_address,
            "billing_postcode": last.billing_postcode,
            "vat_number": last.customer_vat_number,
        }
    return {"billing_organisation": user.organisation.name if user.organisation_id else ""}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def book_payment(request, slug):
    """Step 3: card or invoice; a free booking never sees this page."""
    event, draft, basket = _load(request, slug)
    missing = _first_missing_step(draft, basket)
    if missing in {"book", "book_delegates"} or not basket.needs_payment:
        return redirect(_step_url(event, missing))
    form = PaymentForm(
        request.POST if request.method == "POST" else None,
        card_allowed=card_payments_offered(),
        initial=_payment_initial(draft, request.user),
    )
    if form.is_bound and form.is_valid():
        draft.payment = form.payment()
        draft.save(request, slug)
        return redirect(_step_url(event, _first_missing_step(draft, basket)))
    return render(
        request,
        "events/booking/payment.html",
        {
            "event": event,
            "form": form,
            "basket": basket,
            "hold_minutes": settings.BOOKING_HOLD_MINUTES,
        },
    )


def _place_requests(draft: BookingDraft, basket: Basket) -> list[PlaceRequest]:
    return [
        PlaceRequest(
            ticket_type_id=ticket_type.pk,
            delegate=DelegateDetails(**{name: answers[name] for name in DELEGATE_FIELDS}),
        )
        for ticket_type, answers in zip(basket.places, draft.delegates, strict=True)
    ]


def _render_check(request, event, draft, basket, errors=()):
    if not errors and basket.code_error:
        errors = [("places", basket.code_error)]
    delegates = list(zip(basket.places, draft.delegates, strict=True))
    return render(
        request,
        "events/booking/check.html",
        {
            "event": event,
            "draft": draft,
            "basket": basket,
            "delegates": delegates,
            "payment": draft.payment if basket.needs_payment else None,
            "errors": list(errors),
            "hold_minutes": settings.BOOKING_HOLD_MINUTES,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def book_check(request, slug):
    """Step 4: check the answers, then confirm: the one call that books."""
    event, draft, basket = _load(request, slug)
    missing = _first_missing_step(draft, basket)
    if missing:
        return redirect(_step_url(event, missing))
    if request.method != "POST":
        return _render_check(request, event, draft, basket)

    payment = draft.payment if basket.needs_payment else {}
    try:
        order = booking_create(
            event_id=event.pk,
            booker=request.user,
            booker_name=request.user.full_name or request.user.email,
            booker_email=request.user.email,
            places=_place_requests(draft, basket),
            payment_method=payment.get("method", Order.PaymentMethod.FREE),
            billing=Billing(
                organisation=payment.get("billing_organisation", ""),
                address=payment.get("billing_address", ""),
                postcode=payment.get("billing_postcode", ""),
                vat_number=payment.get("vat_number", ""),
                purchase_order=payment.get("purchase_order", ""),
            ),
            discount_code=draft.discount_code,
            offer_token=draft.offer_token,
        )
    except DomainError as err:
        # Most refusals are fixed by changing the places or the code; a closed event is not.
        anchor = "" if isinstance(err, RegistrationClosed) else "places"
        return _render_check(request, event, draft, basket, errors=[(anchor, err.message)])
    BookingDraft.clear(request, slug)
    return redirect("events:book_done", slug=event.slug, reference=order.reference)


@login_required
@require_safe
def book_done(request, slug, reference):
    """The confirmation: only the booker may see it; anyone else gets 404."""
    order = (
        Order.objects.filter(
            reference=reference, booker=request.user, event_registrations__event__slug=slug
        )
        .distinct()
        .first()
    )
    if order is None:
        raise Http404("No such booking")
    registrations = list(
        order.event_registrations.select_related("event", "ticket_type").order_by("pk")
    )
    return render(
        request,
        "events/booking/done.html",
        {"event": registrations[0].event, "order": order, "registrations": registrations},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def waiting_list(request, slug):
    """Join a fully booked event's waiting list; signed in or not."""
    event = event_get_for_page(slug=slug, user=request.user)
    now = timezone.now()
    availability = event_availability(event=event, now=now)
    full = waiting_list_open(event, availability, now=now)
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.full_name, "email": user.email} if user else {}
    form = WaitingListForm(
        request.POST if request.method == "POST" and full else None, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            entry = waiting_list_join(
                event=event,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                user=user,
            )
        except DomainError as err:
            # Usually the address is already waiting; the message says so.
            form.add_error("email", err.message)
        else:
            messages.success(
                request,
                f"You’re on the waiting list for {event.title}. We’ll email {entry.email} "
                "if a place comes up.",
            )
            return redirect(event)
    return render(
        request,
        "events/booking/waiting_list.html",
        {
            "event": event,
            "form": form,
            "full": full,
            "availability": availability,
            "offer_hours": settings.WAITING_LIST_OFFER_HOURS,
        },
    )
