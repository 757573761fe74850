"""Registers and scans: who attended each module, and completion that follows from it."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from academy.exceptions import AcademyError
from academy.models import Attendance, Enrolment, Module
from academy.services.certificates import certificate_issue_if_complete


class ScanResult:
    OK = "ok"
    ALREADY = "already_present"
    UNKNOWN = "unknown"
    INVALID = "invalid"


@dataclass(frozen=True)
class Scan:
    result: str
    message: str
    enrolment: Enrolment | None = None
    attendance: Attendance | None = None


def _mark_locked(
    *, module: Module, enrolment: Enrolment, status: str, method: str, by, now
) -> Attendance:
    attendance, created = Attendance.objects.get_or_create(
        module=module,
        enrolment=enrolment,
        defaults={"status": status, "method": method, "recorded_by": by, "recorded_at": now},
    )
    if not created and attendance.status != status:
        attendance.status, attendance.method = status, method
        attendance.recorded_by, attendance.recorded_at = by, now
        attendance.save(
            update_fields=["status", "method", "recorded_by", "recorded_at", "updated_at"]
        )
    if status == Attendance.Status.PRESENT:
        certificate_issue_if_complete(enrolment=enrolment, now=now)
    return attendance


@transaction.atomic(durable=True)
def register_save(*, module: Module, marks: dict[int, str], by, now=None) -> int:
    """Save a module's register: enrolment id -> "present" or "absent".

    Lock the enrolments in primary-key order. Marks left out stay as they
    were. Raise AcademyError for an enrolment not live on the module's cohort
    or an unknown status, and save nothing. Return how many marks changed.
    """
    now = now or timezone.now()
    if any(status not in Attendance.Status.values for status in marks.values()):
        raise AcademyError("Mark each delegate present or absent.", code="status")
    enrolments = list(
        Enrolment.objects.select_for_update()
        .filter(pk__in=marks, cohort_id=module.cohort_id, state=Enrolment.State.CONFIRMED)
        .order_by("pk")
    )
    if len(enrolments) != len(marks):
        raise AcademyError(
            "The register lists someone who is not a confirmed delegate of this cohort.",
            code="not_enrolled",
        )
    before = dict(
        Attendance.objects.filter(module=module, enrolment__in=enrolments).values_list(
            "enrolment_id", "status"
        )
    )
    changed = 0
    for enrolment in enrolments:
        status = marks[enrolment.pk]
        if before.get(enrolment.pk) != status:
            changed += 1
        _mark_locked(
            module=module,
            enrolment=enrolment,
            status=status,
            method=Attendance.Method.REGISTER,
            by=by,
            now=now,
        )
    return changed


@transaction.atomic(durable=True)
def attendance_scan(*, module: Module, secret: str, by, now=None) -> Scan:
    """Mark a delegate present at a module from their enrolment's QR code.

    Lock the enrolment, so that two devices scanning one code at once give one
    mark and one "already present". Never raise for a bad code: the result
    says what happened.
    """
    now = now or timezone.now()
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(qr_secret=secret.strip())
        .select_related("application")
        .first()
        if secret.strip()
        else None
    )
    if enrolment is None:
        return Scan(ScanResult.UNKNOWN, "This code is not an academy enrolment.")
    name = enrolment.application.full_name
    if enrolment.cohort_id != module.cohort_id:
        return Scan(ScanResult.INVALID, f"{name} is enrolled on another cohort.", enrolment)
    if enrolment.state == Enrolment.State.CANCELLED:
        return Scan(ScanResult.INVALID, f"{name}'s enrolment was cancelled.", enrolment)
    if enrolment.state != Enrolment.State.CONFIRMED:
        return Scan(ScanResult.INVALID, f"{name}'s place has not been paid for.", enrolment)
    existing = Attendance.objects.filter(
        module=module, enrolment=enrolment, status=Attendance.Status.PRESENT
    ).first()
    if existing is not None:
        when = timezone.localtime(existing.recorded_at)
        return Scan(
            ScanResult.ALREADY,
            f"{name} was already marked present at {when:%H:%M}.",
            enrolment,
            existing,
        )
    attendance = _mark_locked(
        module=module,
        enrolment=enrolment,
        status=Attendance.Status.PRESENT,
        method=Attendance.Method.SCAN,
        by=by,
        now=now,
    )
    return Scan(ScanResult.OK, f"{name} is marked present.", enrolment, attendance)
