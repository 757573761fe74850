"""Reads that academy pages, the API and tasks share."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from academy.models import (
    Application,
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    Module,
    Programme,
)

# Cohorts shown to the public: open, closed or cancelled, never drafts.
PUBLIC_COHORT_STATES = (Cohort.Status.OPEN, Cohort.Status.CLOSED, Cohort.Status.CANCELLED)

LIVE_ENROLMENT_STATES = (Enrolment.State.PENDING, Enrolment.State.CONFIRMED)


def held_places_q(*, now: datetime.datetime, prefix: str = "") -> Q:
    """Applications that hold a place on their cohort.

    The one definition of "places taken": enrolled applicants, and accepted
    ones whose offer is still open. The services count with it under the
    cohort's row lock.
    """
    p = prefix
    return Q(**{f"{p}state": Application.State.ENROLLED}) | Q(
        **{f"{p}state": Application.State.ACCEPTED, f"{p}offer_expires_at__gt": now}
    )


def places_taken(*, cohort: Cohort, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return Application.objects.filter(held_places_q(now=now), cohort=cohort).count()


def places_left(*, cohort: Cohort, now: datetime.datetime | None = None) -> int:
    return max(0, cohort.capacity - places_taken(cohort=cohort, now=now))


def _places_taken_subquery(*, now):
    counted = (
        Application.objects.filter(held_places_q(now=now), cohort=OuterRef("pk"))
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cohorts_with_places(queryset: QuerySet[Cohort] | None = None, *, now=None) -> QuerySet[Cohort]:
    """Annotate cohorts with `taken` and `module_count`; `places_left` is a property below."""
    now = now or timezone.now()
    queryset = Cohort.objects.all() if queryset is None else queryset
    return queryset.annotate(
        taken=_places_taken_subquery(now=now),
        module_count=Count("modules", distinct=True),
    )


def cohort_places_left(cohort: Cohort) -> int:
    """Places left on a cohort annotated by cohorts_with_places()."""
    return max(0, cohort.capacity - cohort.taken)


def cohort_is_taking_applications(cohort: Cohort, *, now=None) -> bool:
    now = now or timezone.now()
    return (
        cohort.status == Cohort.Status.OPEN
        and cohort.programme.is_published
        and now < cohort.applications_close_at
    )


def programme_list_public() -> QuerySet[Programme]:
    """Published programmes with their public cohorts (places annotated), in page order."""
    now = timezone.now()
    cohorts = cohorts_with_places(
        Cohort.objects.filter(status__in=PUBLIC_COHORT_STATES).order_by("starts_on", "pk"),
        now=now,
    )
    return Programme.objects.filter(is_published=True).prefetch_related(
        Prefetch("cohorts", queryset=cohorts, to_attr="public_cohorts")
    )


def programme_get_public(*, slug: str, include_drafts: bool = False) -> Programme:
    """Return a programme with its public cohorts and their modules; raise DoesNotExist."""
    now = timezone.now()
    programmes = (
        Programme.objects.all() if include_drafts else Programme.objects.filter(is_published=True)
    )
    states = (
        [*PUBLIC_COHORT_STATES, Cohort.Status.DRAFT] if include_drafts else PUBLIC_COHORT_STATES
    )
    cohorts = cohorts_with_places(
        Cohort.objects.filter(status__in=states)
        .order_by("starts_on", "pk")
        .prefetch_related("modules"),
        now=now,
    )
    return programmes.prefetch_related(
        Prefetch("cohorts", queryset=cohorts, to_attr="public_cohorts")
    ).get(slug=slug)


def cohort_get_public(*, programme_slug: str, cohort_slug: str) -> Cohort:
    """Return a public cohort of a published programme, with its modules; raise DoesNotExist."""
    return (
        cohorts_with_places(
            Cohort.objects.filter(
                programme__slug=programme_slug,
                programme__is_published=True,
                status__in=PUBLIC_COHORT_STATES,
            )
        )
        .select_related("programme")
        .prefetch_related("modules")
        .get(slug=cohort_slug)
    )


def application_list_for_user(*, user) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("cohort__programme")


def enrolment_list_for_user(*, user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(delegate=user, state__in=LIVE_ENROLMENT_STATES)
        .select_related("cohort__programme", "application", "order")
        .prefetch_related("cohort__modules")
    )


def application_list_for_review(
    *,
    programme: Programme | None = None,
    cohort: Cohort | None = None,
    state: str = "",
    sponsor_decision: str = "",
    search: str = "",
) -> QuerySet[Application]:
    """Applications for programme managers, filtered; oldest first within the filters."""
    applications = Application.objects.select_related("cohort__programme", "applicant")
    if programme is not None:
        applications = applications.filter(cohort__programme=programme)
    if cohort is not None:
        applications = applications.filter(cohort=cohort)
    if state:
        applications = applications.filter(state=state)
    if sponsor_decision:
        applications = applications.filter(sponsor_decision=sponsor_decision)
    if search.strip():
        text = search.strip()
        applications = applications.filter(
            Q(full_name__icontains=text)
            | Q(email__icontains=text)
            | Q(organisation__icontains=text)
            | Q(role__icontains=text)
        )
    return applications.order_by("submitted_at", "pk")


# --- progress and completion ----------------------------------------------------


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    status: str  # "present", "absent", "not_recorded" or "upcoming"
    recorded_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Progress:
    modules: list[ModuleProgress] = field(default_factory=list)
    attended: int = 0
    needed: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.attended >= self.needed


def enrolment_progress(enrolment: Enrolment, *, now=None) -> Progress:
    """Return each module's attendance and whether the programme's rule is met."""
    now = now or timezone.now()
    modules = list(
        Module.objects.filter(cohort_id=enrolment.cohort_id).order_by("starts_at", "pk")
    )
    marks = {mark.module_id: mark for mark in Attendance.objects.filter(enrolment=enrolment)}
    rows = []
    for module in modules:
        mark = marks.get(module.pk)
        if mark is not None:
            rows.append(ModuleProgress(module, mark.status, mark.recorded_at))
        elif module.starts_at > now:
            rows.append(ModuleProgress(module, "upcoming"))
        else:
            rows.append(ModuleProgress(module, "not_recorded"))
    attended = sum(1 for row in rows if row.status == Attendance.Status.PRESENT)
    programme = enrolment.cohort.programme
    return Progress(
        modules=rows,
        attended=attended,
        needed=programme.modules_needed(len(modules)),
        total=len(modules),
    )


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    return enrolment.certificates.filter(revoked_at__isnull=True).first()


def certificate_get(*, code: str) -> Certificate | None:
    """Return the certificate with this code (any case, spaces ignored), or None."""
    normalised = "".join(code.upper().split()).replace("-", "")
    if len(normalised) != 12:
        return None
    formatted = f"{normalised[:4]}-{normalised[4:8]}-{normalised[8:]}"
    return Certificate.objects.filter(code=formatted).first()


def module_register(*, module: Module) -> list[tuple[Enrolment, Attendance | None]]:
    """Return the cohort's live enrolments with their mark for the module, by name."""
    enrolments = (
        Enrolment.objects.filter(cohort_id=module.cohort_id, state__in=LIVE_ENROLMENT_STATES)
        .select_related("application", "delegate")
        .order_by("application__full_name", "pk")
    )
    marks = {
        mark.enrolment_id: mark
        for mark in Attendance.objects.filter(module=module).select_related("recorded_by")
    }
    return [(enrolment, marks.get(enrolment.pk)) for enrolment in enrolments]


def home_section_context(request) -> dict | None:
    """The academy's part of the home page: open cohorts, soonest deadline first."""
    now = timezone.now()
    cohorts = list(
        cohorts_with_places(
            Cohort.objects.filter(
                status=Cohort.Status.OPEN,
                programme__is_published=True,
                applications_close_at__gt=now,
            ),
            now=now,
        )
        .select_related("programme")
        .order_by("applications_close_at", "pk")[:3]
    )
    if not cohorts:
        return None
    return {"academy_cohorts": cohorts}
