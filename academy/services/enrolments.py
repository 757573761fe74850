"""Enrolment: an accepted applicant confirms their place and pays by card or invoice.

The order and its line come from payments; payments tells us, through its
hooks, when an order is paid, cancelled or expires. Lock order: the cohort
row, then the application, then the enrolment.
"""

from django.db import transaction
from django.utils import timezone

from academy.exceptions import CohortFull, NotEnrolled, OfferExpired, WrongState
from academy.models import Application, Cohort, Enrolment
from academy.selectors import LIVE_ENROLMENT_STATES, places_left
from accounts.selectors import user_is_member
from core.tasks import enqueue_on_commit
from payments.models import Order
from payments.services import Billing, LineSpec, order_cancel, order_create
from payments.services.refunds import order_line_cancel


def enrolment_price(*, cohort: Cohort, delegate):
    """Return the Price the delegate pays: the member price for members."""
    return cohort.price_for(is_member=user_is_member(user=delegate))


@transaction.atomic(durable=True)
def enrolment_create(
    *,
    application: Application,
    by,
    payment_method: str,
    billing: Billing | None = None,
    now=None,
) -> Enrolment:
    """Confirm an accepted applicant's place and create the order that pays for it.

    Lock the cohort, then the application. An open offer already holds the
    place; after the offer lapsed the place is taken only if one is free
    (CohortFull otherwise). Invoice and free enrolments are confirmed at once,
    card ones when the order is paid. Raise NotEnrolled when `by` is not the
    applicant, WrongState unless the application is accepted, OfferExpired
    when the cohort has started.
    """
    now = now or timezone.now()
    cohort = (
        Cohort.objects.select_for_update()
        .select_related("programme")
        .get(pk=application.cohort_id)
    )
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.applicant_id != by.pk:
        raise NotEnrolled("Only the applicant can confirm this place.")
    if application.state != Application.State.ACCEPTED:
        raise WrongState(
            "There is no offer of a place to confirm: the application is "
            f"{application.get_state_display().lower()}."
        )
    if cohort.status == Cohort.Status.CANCELLED or cohort.starts_on <= timezone.localdate(now):
        raise OfferExpired(
            "This cohort has already started, so the place can no longer be confirmed."
        )
    if application.offer_expires_at <= now and places_left(cohort=cohort, now=now) < 1:
        raise CohortFull("Your offer has expired and there are no places left on this cohort.")

    unit = enrolment_price(cohort=cohort, delegate=by)
    order, lines = order_create(
        booker=by,
        booker_name=application.full_name,
        booker_email=by.email,
        payment_method=payment_method,
        lines=[
            LineSpec(
                description=(
                    f"{cohort.programme.title}, {cohort.name}: place for {application.full_name}"
                ),
                quantity=1,
                unit_net=unit.net,
                vat_rate=cohort.vat_rate,
            )
        ],
        billing=billing,
        supply_date=cohort.starts_on,
        now=now,
    )
    confirmed = order.payment_method != Order.PaymentMethod.CARD
    enrolment = Enrolment.objects.create(
        cohort=cohort,
        application=application,
        delegate=by,
        order=order,
        order_line=lines[0],
        state=Enrolment.State.CONFIRMED if confirmed else Enrolment.State.PENDING,
        confirmed_at=now if confirmed else None,
    )
    application.state = Application.State.ENROLLED
    application.save(update_fields=["state", "updated_at"])
    if confirmed:
        enqueue_on_commit("academy.tasks.send_enrolment_email", enrolment.pk)
    return enrolment


@transaction.atomic(durable=True)
def enrolment_cancel(*, enrolment: Enrolment, by, reason: str, now=None) -> Enrolment:
    """Cancel an enrolment for the delegate; credit, and refund a card payment.

    Lock the cohort, the application, then the enrolment and its order. The
    freed place goes to the waiting list. Raise WrongState if already cancelled.
    """
    now = now or timezone.now()
    Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    application = Application.objects.select_for_update().get(pk=enrolment.application_id)
    enrolment = Enrolment.objects.select_for_update().select_related("order").get(pk=enrolment.pk)
    if enrolment.state == Enrolment.State.CANCELLED:
        raise WrongState("This enrolment is already cancelled.")
    if enrolment.order.state == Order.State.PENDING and enrolment.state == Enrolment.State.PENDING:
        # An unpaid card order: cancelling it releases the place through the hook.
        order_cancel(order=enrolment.order)
        enrolment.refresh_from_db()
    else:
        _release(enrolment, application=application, now=now, withdrawn=True)
        order_line_cancel(
            order_line=enrolment.order_line,
            quantity=1,
            # A credit note's reason holds 300 characters.
            reason=(reason.strip() or f"Cancelled enrolment: {application.full_name}")[:300],
            by=by,
            now=now,
        )
    application.refresh_from_db()
    if application.state != Application.State.WITHDRAWN:
        application.state = Application.State.WITHDRAWN
        application.offer_expires_at = None
        application.save(update_fields=["state", "offer_expires_at", "updated_at"])
    enqueue_on_commit("academy.tasks.send_enrolment_cancelled_email", enrolment.pk)
    return enrolment


def _release(enrolment: Enrolment, *, application: Application, now, withdrawn: bool) -> None:
    enrolment.state = Enrolment.State.CANCELLED
    enrolment.cancelled_at = now
    enrolment.save(update_fields=["state", "cancelled_at", "updated_at"])
    if withdrawn:
        application.state = Application.State.WITHDRAWN
        application.offer_expires_at = None
    elif application.offer_expires_at and application.offer_expires_at > now:
        # An unpaid card order ran out; the offer still holds the place.
        application.state = Application.State.ACCEPTED
    else:
        application.state = Application.State.LAPSED
    application.save(update_fields=["state", "offer_expires_at", "updated_at"])
    enqueue_on_commit("academy.tasks.offer_freed_places", enrolment.cohort_id)


# --- what happens to enrolments when their order changes (payments.hooks) -------------


def on_order_paid(*, order: Order) -> None:
    """Confirm the order's pending enrolments and email the delegates (after commit)."""
    now = timezone.now()
    for enrolment in order.academy_enrolments.filter(state=Enrolment.State.PENDING):
        enrolment.state, enrolment.confirmed_at = Enrolment.State.CONFIRMED, now
        enrolment.save(update_fields=["state", "confirmed_at", "updated_at"])
        enqueue_on_commit("academy.tasks.send_enrolment_email", enrolment.pk)


def on_order_released(*, order: Order) -> None:
    """Release the enrolments of a cancelled or expired order.

    The applicant keeps an offer that has not lapsed, so they can try again.
    """
    now = timezone.now()
    live = order.academy_enrolments.filter(state__in=LIVE_ENROLMENT_STATES)
    for enrolment in live.select_related("application").order_by("pk"):
        application = Application.objects.select_for_update().get(pk=enrolment.application_id)
        _release(enrolment, application=application, now=now, withdrawn=False)
