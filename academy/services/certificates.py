"""Completion certificates: issued when attendance meets the programme's rule, revocable."""

from django.db import transaction
from django.utils import timezone

from academy.exceptions import AcademyError, CompletionNotMet, WrongState
from academy.models import Certificate, Enrolment
from academy.selectors import enrolment_progress, valid_certificate
from core.tasks import enqueue_on_commit


def _issue_locked(*, enrolment: Enrolment, by, now) -> Certificate:
    progress = enrolment_progress(enrolment, now=now)
    if enrolment.state != Enrolment.State.CONFIRMED:
        raise CompletionNotMet("Only a confirmed delegate can be given a certificate.")
    if not progress.complete:
        raise CompletionNotMet(
            f"{enrolment.application.full_name} has attended {progress.attended} of the "
            f"{progress.needed} modules needed to complete."
        )
    cohort = enrolment.cohort
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        delegate_name=enrolment.application.full_name,
        programme_title=cohort.programme.title,
        cohort_name=cohort.name,
        delivery_partner=cohort.programme.delivery_partner,
        modules_attended=progress.attended,
        modules_total=progress.total,
        completed_on=timezone.localdate(now),
        issued_at=now,
        issued_by=by,
    )
    enqueue_on_commit("academy.tasks.send_certificate_email", certificate.pk)
    return certificate


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("application", "cohort__programme")
        .get(pk=enrolment.pk)
    )


@transaction.atomic(durable=True)
def certificate_issue(*, enrolment: Enrolment, by, now=None) -> Certificate:
    """Issue the delegate's certificate, or return the one already valid.

    Lock the enrolment. Raise CompletionNotMet unless the delegate is
    confirmed and has met the programme's completion rule.
    """
    now = now or timezone.now()
    enrolment = _lock_enrolment(enrolment)
    return valid_certificate(enrolment) or _issue_locked(enrolment=enrolment, by=by, now=now)


def certificate_issue_if_complete(*, enrolment: Enrolment, now) -> Certificate | None:
    """Issue a certificate when attendance has just met the rule (inside the caller's lock).

    Never after a programme manager revoked one: re-issuing is theirs to do.
    """
    enrolment = Enrolment.objects.select_related("application", "cohort__programme").get(
        pk=enrolment.pk
    )
    if enrolment.certificates.exists() or enrolment.state != Enrolment.State.CONFIRMED:
        return None
    if not enrolment_progress(enrolment, now=now).complete:
        return None
    return _issue_locked(enrolment=enrolment, by=None, now=now)


@transaction.atomic(durable=True)
def certificate_revoke(*, certificate: Certificate, by, reason: str, now=None) -> Certificate:
    """Revoke a certificate with a reason; the public page then says so.

    Lock the certificate. Raise AcademyError without a reason, WrongState if
    it is already revoked.
    """
    now = now or timezone.now()
    if not reason.strip():
        raise AcademyError("Give a reason for revoking the certificate.", code="reason")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise WrongState("This certificate has already been revoked.")
    certificate.revoked_at, certificate.revoked_by = now, by
    certificate.revoke_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    return certificate
