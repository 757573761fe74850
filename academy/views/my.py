"""The applicant's and delegate's own pages: apply, follow the application, confirm
and pay for a place, and follow progress through the modules.

Every page is for the signed-in person's own applications and enrolments;
anyone else's is 404, as if it did not exist. GET never changes anything:
each change is a POST that calls one service.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from academy.exceptions import AlreadyApplied
from academy.forms import MOTIVATION_MAX_WORDS, ApplicationForm, ConfirmForm
from academy.models import Application, Cohort, Enrolment
from academy.selectors import (
    LIVE_ENROLMENT_STATES,
    application_list_for_user,
    cohort_get_public,
    cohort_is_taking_applications,
    cohort_places_left,
    enrolment_list_for_user,
    enrolment_progress,
    valid_certificate,
)
from academy.services import applications as application_services
from academy.services.enrolments import enrolment_create, enrolment_price
from accounts.models import CalendarFeedToken
from accounts.selectors import user_is_member
from core.exceptions import DomainError
from core.qr import qr_png
from payments.documents import invoices_for_orders
from payments.forms import PaymentForm, card_payments_offered
from payments.models import Order
from payments.services import Billing

FORM_METHODS = ["GET", "HEAD", "POST"]
LIVE_APPLICATION_STATES = (*Application.OPEN_STATES, Application.State.ENROLLED)
# States after which the person may apply for the same cohort again.
FINAL_STATES = (
    Application.State.SPONSOR_DECLINED,
    Application.State.REJECTED,
    Application.State.LAPSED,
    Application.State.WITHDRAWN,
)


# --- reads only these pages need ------------------------------------------------------


def _own_application(request, pk: int) -> Application:
    return get_object_or_404(
        Application.objects.select_related("cohort__programme"), pk=pk, applicant=request.user
    )


def _own_enrolment(request, pk: int) -> Enrolment:
    return get_object_or_404(
        Enrolment.objects.select_related("cohort__programme", "application", "order"),
        pk=pk,
        delegate=request.user,
    )


def _live_application(user, cohort: Cohort) -> Application | None:
    """Return the person's application for the cohort that is still going, if any."""
    return Application.objects.filter(
        applicant=user, cohort=cohort, state__in=LIVE_APPLICATION_STATES
    ).first()


def _live_enrolment(application: Application) -> Enrolment | None:
    return application.enrolments.filter(state__in=LIVE_ENROLMENT_STATES).first()


def _application_initial(user) -> dict:
    return {
        "full_name": user.full_name,
        "role": user.job_title,
        "organisation": user.organisation.name if user.organisation_id else "",
    }


def _billing_initial(user, application: Application) -> dict:
    # A repeat payer usually invoices the same place as last time.
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
    return {"billing_organisation": application.organisation}


def _not_taking_reason(cohort: Cohort, *, now) -> str:
    if cohort.status == Cohort.Status.CANCELLED:
        return "This cohort has been cancelled."
    if cohort.status == Cohort.Status.OPEN and now >= cohort.applications_close_at:
        return "The deadline for applications has passed."
    return "Applications for this cohort are closed."


def _can_apply_again(application: Application, *, now) -> bool:
    """Say whether a finished application's cohort still takes a new one from this person."""
    return (
        application.state in FINAL_STATES
        and cohort_is_taking_applications(application.cohort, now=now)
        and _live_application(application.applicant_id, application.cohort) is None
    )


# --- applying ---------------------------------------------------------------------------


@login_required
@require_http_methods(FORM_METHODS)
def apply(request, programme, cohort):
    """Apply for a place on a cohort: one page of questions, then application_submit."""
    try:
        cohort = cohort_get_public(programme_slug=programme, cohort_slug=cohort)
    except Cohort.DoesNotExist:
        raise Http404("No such cohort") from None
    now = timezone.now()
    taking = cohort_is_taking_applications(cohort, now=now)
    existing = _live_application(request.user, cohort)
    requires_sponsor = cohort.programme.requires_sponsor

    form, status = None, 200
    # A POST always goes to the service, which has the last word on duplicates.
    if taking and (existing is None or request.method == "POST"):
        form = ApplicationForm(
            request.POST if request.method == "POST" else None,
            requires_sponsor=requires_sponsor,
            initial=_application_initial(request.user),
        )
    if form is not None and form.is_bound:
        if form.is_valid():
            try:
                application = application_services.application_submit(
                    cohort=cohort,
                    applicant=request.user,
                    details=form.details(email=request.user.email),
                )
            except DomainError as error:
                form.add_refusal(error)
                status = error.status_code
                if isinstance(error, AlreadyApplied):
                    existing = _live_application(request.user, cohort)
            else:
                if requires_sponsor:
                    sent = (
                        f"Application sent. We have emailed {application.sponsor_name} to ask "
                        "for their support."
                    )
                else:
                    sent = "Application sent. The programme team will review it."
                messages.success(request, sent)
                return redirect(application)
        else:
            status = 400
    elif request.method == "POST":
        # Not taking applications (or already applied): nothing to submit.
        status = 409

    is_member = user_is_member(user=request.user)
    return render(
        request,
        "academy/apply.html",
        {
            "cohort": cohort,
            "programme": cohort.programme,
            "modules": list(cohort.modules.all()),
            "places_left": cohort_places_left(cohort),
            "taking": taking,
            "not_taking_reason": "" if taking else _not_taking_reason(cohort, now=now),
            "existing": existing,
            "form": form,
            "requires_sponsor": requires_sponsor,
            "is_member": is_member,
            "your_price": cohort.price_for(is_member=is_member),
            "max_words": MOTIVATION_MAX_WORDS,
            "sponsor_link_days": settings.ACADEMY_SPONSOR_LINK_DAYS,
        },
        status=status,
    )


# --- my academy -------------------------------------------------------------------------


@login_required
@require_safe
def index(request):
    """The person's applications and enrolments, with what happens next."""
    enrolments = list(enrolment_list_for_user(user=request.user).order_by("cohort__starts_on"))
    enrolment_rows = [
        {
            "enrolment": enrolment,
            "progress": enrolment_progress(enrolment),
            "certificate": valid_certificate(enrolment),
        }
        for enrolment in enrolments
    ]
    by_application = {enrolment.application_id: enrolment for enrolment in enrolments}
    applications = list(application_list_for_user(user=request.user))
    application_rows = [
        {"application": application, "enrolment": by_application.get(application.pk)}
        for application in applications
    ]
    return render(
        request,
        "academy/my/index.html",
        {"applications": application_rows, "enrolments": enrolment_rows},
    )


def _render_application(request, application: Application, *, form=None, status=200):
    now = timezone.now()
    return render(
        request,
        "academy/my/application.html",
        {
            "application": application,
            "cohort": application.cohort,
            "programme": application.cohort.programme,
            "enrolment": _live_enrolment(application),
            "can_withdraw": application.state in Application.OPEN_STATES,
            "can_apply_again": _can_apply_again(application, now=now),
            "offer_open": bool(
                application.offer_expires_at and application.offer_expires_at > now
            ),
            "form": form,
            "sponsor_link_days": settings.ACADEMY_SPONSOR_LINK_DAYS,
        },
        status=status,
    )


@login_required
@require_safe
def application(request, pk):
    return _render_application(request, _own_application(request, pk))


@login_required
@require_http_methods(FORM_METHODS)
def application_withdraw(request, pk):
    """Ask to confirm (GET), then withdraw the application (POST)."""
    application = _own_application(request, pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            application_services.application_withdraw(application=application, by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(
                request,
                f"You have withdrawn your application for {application.cohort.programme.title}, "
                f"{application.cohort.name}.",
            )
            return redirect(application)
    return render(
        request,
        "academy/my/withdraw.html",
        {
            "application": application,
            "cohort": application.cohort,
            "programme": application.cohort.programme,
            "allowed": application.state in Application.OPEN_STATES,
            "holds_place": application.state == Application.State.ACCEPTED,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def application_resend_sponsor(request, pk):
    """Email the sponsor a new link; the one in the earlier email stops working."""
    application = _own_application(request, pk)
    try:
        application = application_services.sponsor_link_resend(application=application)
    except DomainError as error:
        form = ConfirmForm({})
        form.add_error(None, error.message)
        return _render_application(request, application, form=form, status=error.status_code)
    messages.success(
        request,
        f"We have emailed {application.sponsor_name} a new link at {application.sponsor_email}. "
        "The link in the earlier email no longer works.",
    )
    return redirect(application)


# --- confirming and paying for a place -----------------------------------------------------


@login_required
@require_http_methods(FORM_METHODS)
def enrol(request, pk):
    """Confirm an offered place and choose how to pay: the one call to enrolment_create."""
    application = _own_application(request, pk)
    if application.state == Application.State.ENROLLED:
        enrolment = _live_enrolment(application)
        return redirect(enrolment or application)
    if application.state != Application.State.ACCEPTED:
        return redirect(application)

    cohort = application.cohort
    unit = enrolment_price(cohort=cohort, delegate=request.user)
    data = request.POST if request.method == "POST" else None
    if unit.is_free:
        form = ConfirmForm(data)
    else:
        form = PaymentForm(
            data,
            card_allowed=card_payments_offered(),
            initial=_billing_initial(request.user, application),
        )
    status = 200
    if form.is_bound:
        if form.is_valid():
            payment = {"method": Order.PaymentMethod.FREE} if unit.is_free else form.payment()
            try:
                enrolment = enrolment_create(
                    application=application,
                    by=request.user,
                    payment_method=payment["method"],
                    billing=Billing(
                        organisation=payment.get("billing_organisation", ""),
                        address=payment.get("billing_address", ""),
                        postcode=payment.get("billing_postcode", ""),
                        vat_number=payment.get("vat_number", ""),
                        purchase_order=payment.get("purchase_order", ""),
                    ),
                )
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                return _after_enrolment(request, enrolment)
        else:
            status = 400
    return render(
        request,
        "academy/my/enrol.html",
        {
            "application": application,
            "cohort": cohort,
            "programme": cohort.programme,
            "modules": list(cohort.modules.order_by("starts_at", "pk")),
            "price": unit,
            "is_member": user_is_member(user=request.user),
            "form": form,
            "offer_open": application.offer_expires_at > timezone.now(),
            "hold_minutes": settings.BOOKING_HOLD_MINUTES,
        },
        status=status,
    )


def _after_enrolment(request, enrolment: Enrolment):
    order = enrolment.order
    if order.payment_method == Order.PaymentMethod.CARD and order.state == Order.State.PENDING:
        return redirect("payments:pay", order.reference)
    where = f"{enrolment.cohort.programme.title}, {enrolment.cohort.name}"
    if order.payment_method == Order.PaymentMethod.INVOICE:
        purchase_order = (
            f" (purchase order {order.purchase_order})" if order.purchase_order else ""
        )
        text = (
            f"You’re enrolled on {where}. We’ve emailed your invoice{purchase_order} to "
            f"{order.booker_email}."
        )
    else:
        text = f"You’re enrolled on {where}. We’ve emailed you the details."
    messages.success(request, text)
    return redirect(enrolment)


# --- the delegate's enrolment ---------------------------------------------------------------


@login_required
@require_safe
def enrolment(request, pk):
    """The enrolment: its state, the modules as a task list, progress and certificate."""
    enrolment = _own_enrolment(request, pk)
    order = enrolment.order
    invoice = invoices_for_orders(user=request.user, order_ids=[order.pk]).get(order.pk)
    documents = [invoice, *invoice.credit_notes.all()] if invoice else []
    return render(
        request,
        "academy/my/enrolment.html",
        {
            "enrolment": enrolment,
            "application": enrolment.application,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
            "order": order,
            "can_pay": (
                enrolment.state == Enrolment.State.PENDING
                and order.state == Order.State.PENDING
                and order.payment_method == Order.PaymentMethod.CARD
            ),
            "progress": enrolment_progress(enrolment),
            "certificate": valid_certificate(enrolment),
            # The code is shown at modules: none is left once the cohort has ended.
            "show_qr": enrolment.state == Enrolment.State.CONFIRMED
            and enrolment.cohort.ends_on >= timezone.localdate(),
            "show_online_links": enrolment.state == Enrolment.State.CONFIRMED,
            "has_calendar": CalendarFeedToken.objects.filter(user=request.user).exists(),
            "documents": documents,
        },
    )


@login_required
@require_safe
def enrolment_qr(request, pk):
    """The delegate's QR code to show at each module; only a confirmed enrolment has one."""
    enrolment = _own_enrolment(request, pk)
    if enrolment.state != Enrolment.State.CONFIRMED:
        raise Http404("This enrolment has no QR code")
    response = HttpResponse(qr_png(enrolment.qr_secret), content_type="image/png")
    # The code admits the delegate: keep no shared or stored copies.
    patch_cache_control(response, private=True, no_store=True)
    return response
