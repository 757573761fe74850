"""The academy desk for programme managers: cohorts, application review, registers,
the QR check-in desk for modules, and each delegate's progress and certificates.

Every page needs a permission: anonymous visitors are sent to sign in, others
get 403. Viewing needs `view_*`; each change needs its own `change_*`/`add_*`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from academy.forms_manage import (
    ApplicationFilterForm,
    BulkDecisionForm,
    CancelEnrolmentForm,
    DecisionForm,
    RegisterForm,
    RevokeForm,
    ScanForm,
)
from academy.models import (
    Application,
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    Module,
)
from academy.selectors import (
    LIVE_ENROLMENT_STATES,
    application_list_for_review,
    cohort_places_left,
    cohorts_with_places,
    enrolment_progress,
    module_register,
    places_left,
    valid_certificate,
)
from academy.services.applications import Decision, application_decide, applications_decide
from academy.services.attendance import ScanResult, attendance_scan, register_save
from academy.services.certificates import certificate_issue, certificate_revoke
from academy.services.enrolments import enrolment_cancel
from core.exceptions import DomainError
from core.security import SCANNER_CONTENT_SECURITY_POLICY
from core.spreadsheets import csv_download
from payments.models import Order

VIEW_APPLICATION = "academy.view_application"
CHANGE_APPLICATION = "academy.change_application"
VIEW_ENROLMENT = "academy.view_enrolment"
CHANGE_ENROLMENT = "academy.change_enrolment"
VIEW_ATTENDANCE = "academy.view_attendance"
CHANGE_ATTENDANCE = "academy.change_attendance"
ADD_CERTIFICATE = "academy.add_certificate"
CHANGE_CERTIFICATE = "academy.change_certificate"

APPLICATIONS_PER_PAGE = 50

# The states counted on the desk's front page, in the order a cohort fills.
COUNTED_STATES = (
    Application.State.AWAITING_SPONSOR,
    Application.State.UNDER_REVIEW,
    Application.State.WAITING_LIST,
    Application.State.ACCEPTED,
    Application.State.ENROLLED,
)

# The session key that carries a bulk decision's refusals to the page after the redirect.
BULK_REFUSED_KEY = "academy_manage_bulk_refused"


def _pm_required(perm: str):
    """Send anonymous visitors to sign in; refuse signed-in users without `perm` (403)."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def _check(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _form_errors(form, anchors: dict[str | None, str]) -> list[tuple[str, str]]:
    """Return (anchor, message) pairs for an error summary; `anchors` maps field -> element id."""
    errors = []
    for name, messages_ in form.errors.items():
        key = None if name == "__all__" else name
        anchor = anchors.get(key, anchors.get(None, ""))
        errors.extend((anchor, message) for message in messages_)
    return errors


# --- The desk's front page --------------------------------------------------------------


def _application_counts(cohort_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Application.objects.filter(cohort_id__in=cohort_ids, state__in=COUNTED_STATES)
        .order_by()
        .values("cohort_id", "state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["cohort_id"]][row["state"]] = row["n"]
    return counts


def _timing(cohort: Cohort, today: datetime.date) -> str:
    if cohort.starts_on > today:
        return "Upcoming"
    if cohort.ends_on >= today:
        return "Running"
    return "Finished"


@require_safe
@_pm_required(VIEW_APPLICATION)
def index(request):
    today = timezone.localdate()
    cohorts = list(
        cohorts_with_places(Cohort.objects.exclude(status=Cohort.Status.CANCELLED))
        .select_related("programme")
        .order_by("programme__position", "programme__title", "programme_id", "starts_on", "pk")
    )
    counts = _application_counts([cohort.pk for cohort in cohorts])
    programmes: dict[int, dict] = {}
    for cohort in cohorts:
        cohort.places_left = cohort_places_left(cohort)
        cohort.timing = _timing(cohort, today)
        cohort.counts = [
            (state, label, counts[cohort.pk].get(state, 0))
            for state, label in (
                (Application.State.AWAITING_SPONSOR, "Awaiting sponsor"),
                (Application.State.UNDER_REVIEW, "To review"),
                (Application.State.WAITING_LIST, "Waiting list"),
                (Application.State.ACCEPTED, "Accepted"),
                (Application.State.ENROLLED, "Enrolled"),
            )
        ]
        group = programmes.setdefault(
            cohort.programme_id, {"programme": cohort.programme, "current": [], "past": []}
        )
        group["past" if cohort.timing == "Finished" else "current"].append(cohort)
    for group in programmes.values():
        group["past"].sort(key=lambda c: (c.starts_on, c.pk), reverse=True)
        group["cohorts"] = group["current"] + group["past"]
    return render(
        request,
        "academy/manage/index.html",
        {"programmes": list(programmes.values())},
    )


# --- Applications: the list, bulk decisions and one application --------------------------

BULK_DONE = {
    Decision.ACCEPT: ("Accepted", ""),
    Decision.WAITING_LIST: ("Put", " on the waiting list"),
    Decision.REJECT: ("Rejected", ""),
}
BULK_NOT_DONE = {
    Decision.ACCEPT: "could not be accepted",
    Decision.WAITING_LIST: "could not be put on the waiting list",
    Decision.REJECT: "could not be rejected",
}


@require_http_methods(["GET", "HEAD", "POST"])
@_pm_required(VIEW_APPLICATION)
def applications(request):
    filter_form = ApplicationFilterForm(request.GET or None)
    filters, ignored = filter_form.filters()
    form = None
    if request.method == "POST":
        _check(request, CHANGE_APPLICATION)
        form = BulkDecisionForm(request.POST)
        if form.is_valid():
            decision = form.cleaned_data["action"]
            outcome = applications_decide(
                applications=list(form.cleaned_data["applications"]),
                decision=decision,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
            if outcome.done:
                verb, tail = BULK_DONE[decision]
                messages.success(
                    request,
                    f"{verb} {_plural(len(outcome.done), 'application')}{tail}. "
                    f"{'The applicant has' if len(outcome.done) == 1 else 'Each applicant has'} "
                    "been emailed.",
                )
            if outcome.refused:
                request.session[BULK_REFUSED_KEY] = {
                    "heading": (
                        f"{_plural(len(outcome.refused), 'application')} {BULK_NOT_DONE[decision]}"
                    ),
                    "items": [
                        {
                            "pk": application.pk,
                            "name": application.full_name,
                            "cohort": application.cohort.name,
                            "message": message,
                        }
                        for application, message in outcome.refused
                    ],
                }
            # Back to the same filters and page; the path is ours, so never elsewhere.
            return redirect(request.get_full_path())

    applications_ = application_list_for_review(**filters)
    page = Paginator(applications_, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    without_state = {name: value for name, value in filters.items() if name != "state"}
    state_counts = dict(
        application_list_for_review(**without_state)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    state_query = request.GET.copy()
    for name in ("page", "state"):
        state_query.pop(name, None)
    can_decide = request.user.has_perm(CHANGE_APPLICATION)
    decidable = (*Application.REVIEWABLE_STATES, Application.State.ACCEPTED)
    rows = [
        (application, can_decide and application.state in decidable)
        for application in page.object_list
    ]
    first_checkbox = next((f"select-{a.pk}" for a, selectable in rows if selectable), "")
    return render(
        request,
        "academy/manage/applications.html",
        {
            "filter_form": filter_form,
            "ignored_filters": ignored,
            "filtered": bool(filters),
            "page": page,
            "rows": rows,
            "any_selectable": bool(first_checkbox),
            "total": page.paginator.count,
            "state_counts": [
                (value, label, state_counts.get(value, 0))
                for value, label in Application.State.choices
                if state_counts.get(value)
            ],
            "state_query": state_query.urlencode(),
            "current_state": filters.get("state", ""),
            "query": query.urlencode(),
            "form": form,
            "selected": (
                {str(pk) for pk in request.POST.getlist("applications")} if form else set()
            ),
            "errors": _form_errors(
                form,
                {"applications": first_checkbox, "action": "action-accept", "reason": "reason"},
            )
            if form
            else [],
            "refused": request.session.pop(BULK_REFUSED_KEY, None),
            "decisions": BulkDecisionForm.base_fields["action"].choices,
        },
    )


def _possible_decisions(application: Application) -> list[str]:
    """Return the decisions a programme manager can take on the application now.

    The services decide; this only keeps the page from offering what they refuse.
    """
    state = application.state
    if state == Application.State.UNDER_REVIEW:
        return [Decision.ACCEPT, Decision.WAITING_LIST, Decision.REJECT]
    if state == Application.State.WAITING_LIST:
        return [Decision.ACCEPT, Decision.REJECT]
    if state in (Application.State.AWAITING_SPONSOR, Application.State.ACCEPTED):
        return [Decision.REJECT]
    return []


DECIDED = {
    Decision.ACCEPT: "{name} has been offered a place. They have been emailed.",
    Decision.WAITING_LIST: "{name} is on the waiting list. They have been emailed.",
    Decision.REJECT: "{name}’s application has been rejected. They have been emailed.",
}


@require_http_methods(["GET", "HEAD", "POST"])
@_pm_required(VIEW_APPLICATION)
def application(request, pk):
    application = get_object_or_404(
        Application.objects.select_related("cohort__programme", "decided_by", "applicant"), pk=pk
    )
    decisions = _possible_decisions(application)
    form = DecisionForm(request.POST if request.method == "POST" else None, decisions=decisions)
    if request.method == "POST":
        _check(request, CHANGE_APPLICATION)
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                application_decide(
                    application=application,
                    decision=decision,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, DECIDED[decision].format(name=application.full_name))
                return redirect("academy:manage_application", pk=application.pk)
    enrolment = application.enrolments.order_by("-pk").first()
    return render(
        request,
        "academy/manage/application.html",
        {
            "application": application,
            "cohort": application.cohort,
            "places_left": places_left(cohort=application.cohort),
            "enrolment": enrolment,
            "decisions": decisions,
            "can_decide": request.user.has_perm(CHANGE_APPLICATION),
            "form": form,
            "errors": _form_errors(
                form, {None: f"decision-{decisions[0]}" if decisions else "", "reason": "reason"}
            ),
            "selected_decision": form["decision"].value() or "",
        },
    )


# --- A cohort: modules, delegates, waiting list, CSV ------------------------------------


@dataclass
class DelegateRow:
    enrolment: Enrolment
    payment: str
    payment_colour: str
    attended: int
    total: int
    needed: int
    certificate: Certificate | None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.attended >= self.needed


def _payment(order: Order) -> tuple[str, str]:
    """Describe where the money for an order stands, in the desk's words, with a tag colour."""
    if order.state == Order.State.PAID:
        return "Paid", "green"
    if order.state == Order.State.PENDING:
        if order.payment_method == Order.PaymentMethod.INVOICE:
            return "Invoice unpaid", "yellow"
        if order.payment_method == Order.PaymentMethod.CARD:
            return "Card payment pending", "orange"
        return "Free", "grey"
    return order.get_state_display(), "grey"


def _delegate_rows(cohort: Cohort, module_count: int) -> list[DelegateRow]:
    enrolments = list(
        Enrolment.objects.filter(cohort=cohort, state__in=LIVE_ENROLMENT_STATES)
        .select_related("application", "order", "delegate")
        .order_by("application__full_name", "pk")
    )
    attended = dict(
        Attendance.objects.filter(
            enrolment__in=enrolments, module__cohort=cohort, status=Attendance.Status.PRESENT
        )
        .order_by()
        .values_list("enrolment_id")
        .annotate(n=Count("pk"))
    )
    certificates = {
        certificate.enrolment_id: certificate
        for certificate in Certificate.objects.filter(
            enrolment__in=enrolments, revoked_at__isnull=True
        )
    }
    needed = cohort.programme.modules_needed(module_count)
    rows = []
    for enrolment in enrolments:
        payment, colour = _payment(enrolment.order)
        rows.append(
            DelegateRow(
                enrolment=enrolment,
                payment=payment,
                payment_colour=colour,
                attended=attended.get(enrolment.pk, 0),
                total=module_count,
                needed=needed,
                certificate=certificates.get(enrolment.pk),
            )
        )
    return rows


CSV_COLUMNS = [
    "Name",
    "Email",
    "Job title",
    "Organisation",
    "Enrolment",
    "Order reference",
    "Payment method",
    "Payment",
    "Modules attended",
    "Modules needed",
    "Modules in cohort",
    "Completed",
    "Certificate code",
    "Access needs",
]


def _delegates_csv(cohort: Cohort, rows: list[DelegateRow]) -> HttpResponse:
    def line(row: DelegateRow) -> tuple:
        application, order = row.enrolment.application, row.enrolment.order
        return (
            application.full_name,
            application.email,
            application.role,
            application.organisation,
            row.enrolment.get_state_display(),
            order.reference,
            order.get_payment_method_display(),
            row.payment,
            row.attended,
            row.needed,
            row.total,
            "Yes" if row.complete else "No",
            row.certificate.code if row.certificate else "",
            application.access_needs,
        )

    return csv_download(
        filename=(
            f"{cohort.programme.slug}-{cohort.slug}-delegates-{timezone.localdate():%Y-%m-%d}.csv"
        ),
        columns=CSV_COLUMNS,
        rows=(line(row) for row in rows),
    )


def _module_counts(cohort: Cohort) -> dict[int, dict[str, int]]:
    rows = (
        Attendance.objects.filter(
            module__cohort=cohort, enrolment__state__in=LIVE_ENROLMENT_STATES
        )
        .order_by()
        .values("module_id")
        .annotate(
            recorded=Count("pk"),
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        )
    )
    return {row["module_id"]: row for row in rows}


@require_safe
@_pm_required(VIEW_ENROLMENT)
def cohort(request, pk):
    cohort = get_object_or_404(
        cohorts_with_places(Cohort.objects.select_related("programme")), pk=pk
    )
    modules = list(cohort.modules.order_by("starts_at", "pk"))
    rows = _delegate_rows(cohort, len(modules))
    if request.GET.get("download") == "csv":
        return _delegates_csv(cohort, rows)
    counts = _module_counts(cohort)
    for module in modules:
        module.present = counts.get(module.pk, {}).get("present", 0)
        module.recorded = counts.get(module.pk, {}).get("recorded", 0)
    confirmed = sum(1 for row in rows if row.enrolment.state == Enrolment.State.CONFIRMED)
    waiting = []
    if request.user.has_perm(VIEW_APPLICATION):
        waiting = list(
            cohort.applications.filter(state=Application.State.WAITING_LIST).order_by(
                "waiting_since", "submitted_at", "pk"
            )
        )
    return render(
        request,
        "academy/manage/cohort.html",
        {
            "cohort": cohort,
            "programme": cohort.programme,
            "places_left": cohort_places_left(cohort),
            "timing": _timing(cohort, timezone.localdate()),
            "modules": modules,
            "rows": rows,
            "confirmed": confirmed,
            "pending": len(rows) - confirmed,
            "cancelled": cohort.enrolments.filter(state=Enrolment.State.CANCELLED).count(),
            "needed": cohort.programme.modules_needed(len(modules)),
            "waiting": waiting,
            "application_counts": _application_counts([cohort.pk]).get(cohort.pk, {}),
        },
    )


# --- Attendance: the register and the scan desk ------------------------------------------


@dataclass
class RegisterRow:
    enrolment: Enrolment
    mark: Attendance | None
    selected: str

    @property
    def markable(self) -> bool:
        # register_save takes confirmed delegates only: an unpaid card place waits.
        return self.enrolment.state == Enrolment.State.CONFIRMED


def _module(pk) -> Module:
    return get_object_or_404(Module.objects.select_related("cohort__programme"), pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@_pm_required(VIEW_ATTENDANCE)
def register(request, pk):
    module = _module(pk)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _check(request, CHANGE_ATTENDANCE)
        if form.is_valid():
            try:
                changed = register_save(
                    module=module, marks=form.cleaned_data["marks"], by=request.user
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"Register saved for {module.title}: {_plural(changed, 'mark')} changed.",
                )
                return redirect("academy:manage_register", pk=module.pk)
    rows = []
    for enrolment, mark in module_register(module=module):
        selected = mark.status if mark else ""
        if form.is_bound:
            # Nothing was saved: show what was chosen, so it can be put right.
            selected = request.POST.get(f"{RegisterForm.PREFIX}{enrolment.pk}", selected)
        rows.append(RegisterRow(enrolment, mark, selected))
    first = next((row for row in rows if row.markable), None)
    return render(
        request,
        "academy/manage/register.html",
        {
            "module": module,
            "cohort": module.cohort,
            "rows": rows,
            "markable": sum(1 for row in rows if row.markable),
            "present": sum(1 for row in rows if row.mark and row.mark.status == "present"),
            "absent": sum(1 for row in rows if row.mark and row.mark.status == "absent"),
            "upcoming": module.starts_at > timezone.now(),
            "can_mark": request.user.has_perm(CHANGE_ATTENDANCE),
            "form": form,
            "errors": _form_errors(
                form, {None: f"mark-{first.enrolment.pk}-present" if first else ""}
            ),
        },
    )


def _scan_counts(module: Module) -> dict[str, int]:
    expected = Enrolment.objects.filter(
        cohort_id=module.cohort_id, state=Enrolment.State.CONFIRMED
    ).count()
    present = Attendance.objects.filter(
        module=module, status=Attendance.Status.PRESENT, enrolment__state=Enrolment.State.CONFIRMED
    ).count()
    return {"present": present, "expected": expected}


def _scan_panel(scan) -> dict[str, str]:
    """Turn a scan's result into what the desk shows: words and an icon, never colour alone."""
    name = scan.enrolment.application.full_name if scan.enrolment else ""
    if scan.result == ScanResult.OK:
        return {
            "kind": "ok",
            "icon": "✓",
            "heading": "Marked present",
            "name": name,
            "detail": f"Recorded at {timezone.localtime(scan.attendance.recorded_at):%H:%M}.",
        }
    if scan.result == ScanResult.ALREADY:
        when = timezone.localtime(scan.attendance.recorded_at)
        return {
            "kind": "warn",
            "icon": "!",
            "heading": f"Already marked present at {when:%H:%M}",
            "name": name,
            "detail": "Nothing has changed. They are still marked present.",
        }
    return {
        "kind": "stop",
        "icon": "✗",
        "heading": "Code not recognised" if scan.result == ScanResult.UNKNOWN else "Not marked",
        "name": name,
        "detail": scan.message,
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_pm_required(CHANGE_ATTENDANCE)
def scan(request, pk):
    module = _module(pk)
    if request.method != "POST" and request.GET.get("counts"):
        return JsonResponse({"counts": _scan_counts(module)})
    form = ScanForm(request.POST if request.method == "POST" else None)
    panel = None
    if request.method == "POST":
        if form.is_valid():
            panel = _scan_panel(
                attendance_scan(module=module, secret=form.cleaned_data["code"], by=request.user)
            )
            form = ScanForm()  # An empty box, ready for the next code.
        elif _wants_json(request):
            return JsonResponse(
                {"errors": [str(e) for errors in form.errors.values() for e in errors]},
                status=400,
            )
    counts = _scan_counts(module)
    if _wants_json(request) and request.method == "POST":
        return JsonResponse({"result": panel, "counts": counts})
    response = render(
        request,
        "academy/manage/scan.html",
        {
            "module": module,
            "cohort": module.cohort,
            "form": form,
            "panel": panel,
            "counts": counts,
        },
    )
    response["Content-Security-Policy"] = SCANNER_CONTENT_SECURITY_POLICY
    return response


# --- One delegate: progress, certificates, cancelling -------------------------------------


def _enrolment_page(request, enrolment: Enrolment, *, errors=(), status=200):
    progress = enrolment_progress(enrolment)
    return render(
        request,
        "academy/manage/enrolment.html",
        {
            "enrolment": enrolment,
            "application": enrolment.application,
            "cohort": enrolment.cohort,
            "progress": progress,
            "payment": _payment(enrolment.order),
            "certificates": list(
                enrolment.certificates.select_related("issued_by", "revoked_by").order_by(
                    "-issued_at", "-pk"
                )
            ),
            "valid_certificate": valid_certificate(enrolment),
            "live": enrolment.state in LIVE_ENROLMENT_STATES,
            "errors": list(errors),
        },
        status=status,
    )


def _certificate(enrolment: Enrolment, value) -> Certificate:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    return get_object_or_404(Certificate, pk=pk, enrolment=enrolment)


def _revoke_page(request, enrolment, certificate, form):
    return render(
        request,
        "academy/manage/certificate_revoke.html",
        {"enrolment": enrolment, "certificate": certificate, "form": form},
    )


def _cancel_page(request, enrolment, form):
    return render(
        request,
        "academy/manage/enrolment_cancel.html",
        {
            "enrolment": enrolment,
            "payment": _payment(enrolment.order),
            "live": enrolment.state in LIVE_ENROLMENT_STATES,
            "form": form,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@_pm_required(VIEW_ENROLMENT)
def enrolment(request, pk):
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("cohort__programme", "application", "order", "delegate"),
        pk=pk,
    )
    name = enrolment.application.full_name
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            _check(request, ADD_CERTIFICATE)
            try:
                certificate = certificate_issue(enrolment=enrolment, by=request.user)
            except DomainError as error:
                return _enrolment_page(request, enrolment, errors=[("issue", error.message)])
            messages.success(
                request,
                f"Certificate {certificate.code} issued to {name}. They have been emailed.",
            )
            if request.POST.get("next") == "cohort":
                return redirect("academy:manage_cohort", pk=enrolment.cohort_id)
            return redirect("academy:manage_enrolment", pk=enrolment.pk)
        if action == "revoke":
            _check(request, CHANGE_CERTIFICATE)
            certificate = _certificate(enrolment, request.POST.get("certificate"))
            form = RevokeForm(request.POST)
            if form.is_valid():
                try:
                    certificate_revoke(
                        certificate=certificate,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        f"Certificate {certificate.code} has been revoked. "
                        "Anyone who checks its code is told so.",
                    )
                    return redirect("academy:manage_enrolment", pk=enrolment.pk)
            return _revoke_page(request, enrolment, certificate, form)
        if action == "cancel":
            _check(request, CHANGE_ENROLMENT)
            form = CancelEnrolmentForm(request.POST)
            if form.is_valid():
                try:
                    enrolment_cancel(
                        enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"]
                    )
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        f"The enrolment for {name} is cancelled and the place is free for "
                        "the waiting list. They have been emailed.",
                    )
                    return redirect("academy:manage_enrolment", pk=enrolment.pk)
            return _cancel_page(request, enrolment, form)
        return HttpResponseBadRequest("Unknown action.")

    confirm = request.GET.get("confirm")
    if confirm == "revoke":
        _check(request, CHANGE_CERTIFICATE)
        certificate = _certificate(enrolment, request.GET.get("certificate"))
        return _revoke_page(request, enrolment, certificate, RevokeForm())
    if confirm == "cancel":
        _check(request, CHANGE_ENROLMENT)
        return _cancel_page(request, enrolment, CancelEnrolmentForm())
    return _enrolment_page(request, enrolment)
