"""Applying for a cohort, the sponsor's support, and programme managers' decisions.

Lock order, whenever a cohort's places may change: the cohort row first, then
the application rows by primary key.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from academy.exceptions import (
    AcademyError,
    AlreadyApplied,
    ApplicationsClosed,
    CohortFull,
    ExpiredSponsorLink,
    InvalidSponsorLink,
    WrongState,
)
from academy.models import Application, Cohort
from academy.selectors import cohort_is_taking_applications, places_left
from core.exceptions import DomainError
from core.tasks import enqueue_on_commit

SPONSOR_LINK_SALT = "academy.sponsor-link"

# A sponsor is emailed again at most this often, however often the applicant asks.
SPONSOR_RESEND_GAP = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class ApplicationDetails:
    full_name: str
    email: str
    role: str
    organisation: str
    time_in_role: str
    sponsor_name: str
    sponsor_email: str
    motivation: str
    access_needs: str = ""
    consent: bool = False


class Decision:
    ACCEPT = "accept"
    WAITING_LIST = "waiting_list"
    REJECT = "reject"
    CHOICES = (ACCEPT, WAITING_LIST, REJECT)


def _email(application: Application, kind: str) -> None:
    enqueue_on_commit("academy.tasks.send_application_email", application.pk, kind)


def _lock_cohort(cohort_id: int) -> Cohort:
    return Cohort.objects.select_for_update().select_related("programme").get(pk=cohort_id)


def _lock_application(application_id: int) -> Application:
    return Application.objects.select_for_update().get(pk=application_id)


@transaction.atomic(durable=True)
def application_submit(
    *, cohort: Cohort, applicant, details: ApplicationDetails, now=None
) -> Application:
    """Apply for a place on a cohort; email the applicant and, if needed, the sponsor.

    Raise ApplicationsClosed after the deadline or when the cohort is not
    open, AlreadyApplied when the applicant has a live application for it,
    AcademyError without consent or when the sponsor is the applicant.
    """
    now = now or timezone.now()
    cohort = Cohort.objects.select_related("programme").get(pk=cohort.pk)
    if not cohort_is_taking_applications(cohort, now=now):
        if cohort.status == Cohort.Status.OPEN and now >= cohort.applications_close_at:
            raise ApplicationsClosed("The deadline for applications to this cohort has passed.")
        raise ApplicationsClosed("This cohort is not taking applications.")
    if not details.consent:
        raise AcademyError("Agree to how we use your application to apply.", code="consent")
    if details.sponsor_email.strip().lower() in {details.email.lower(), applicant.email.lower()}:
        raise AcademyError(
            "Your sponsor must be someone else, such as your line manager.", code="self_sponsor"
        )
    needs_sponsor = cohort.programme.requires_sponsor
    application = Application(
        cohort=cohort,
        applicant=applicant,
        state=(
            Application.State.AWAITING_SPONSOR if needs_sponsor else Application.State.UNDER_REVIEW
        ),
        sponsor_decision=(
            Application.SponsorDecision.PENDING
            if needs_sponsor
            else Application.SponsorDecision.NOT_NEEDED
        ),
        sponsor_link_nonce=secrets.token_hex(8) if needs_sponsor else "",
        sponsor_emailed_at=now if needs_sponsor else None,
        submitted_at=now,
        full_name=details.full_name.strip(),
        email=details.email.strip(),
        role=details.role.strip(),
        organisation=details.organisation.strip(),
        time_in_role=details.time_in_role,
        sponsor_name=details.sponsor_name.strip(),
        sponsor_email=details.sponsor_email.strip(),
        motivation=details.motivation.strip(),
        access_needs=details.access_needs.strip(),
        consent=True,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise AlreadyApplied("You have already applied for this cohort.") from error
    _email(application, "submitted")
    if needs_sponsor:
        _email(application, "sponsor_request")
    return application


# --- the sponsor's link ----------------------------------------------------------


class _SponsorSigner(signing.TimestampSigner):
    """Django's timestamp signer, with the issue time settable for tests and re-sends."""

    def __init__(self, *, issued_at: float | None = None):
        super().__init__(salt=SPONSOR_LINK_SALT, algorithm="sha256")
        self._issued_at = issued_at

    def timestamp(self):
        if self._issued_at is None:
            return super().timestamp()
        return signing.b62_encode(int(self._issued_at))


def sponsor_link_token(application: Application, *, issued_at: datetime.datetime | None = None):
    """Return the signed token for the application's current sponsor link."""
    signer = _SponsorSigner(issued_at=issued_at.timestamp() if issued_at else None)
    return signer.sign(f"{application.pk}.{application.sponsor_link_nonce}")


def sponsor_link_application(token: str) -> Application:
    """Return the application a sponsor's link is for.

    Raise ExpiredSponsorLink after ACADEMY_SPONSOR_LINK_DAYS, InvalidSponsorLink
    when the token was altered or a newer link replaced it.
    """
    max_age = datetime.timedelta(days=settings.ACADEMY_SPONSOR_LINK_DAYS)
    try:
        value = _SponsorSigner().unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredSponsorLink(
            "This link has expired. Ask the applicant to send you a new one."
        ) from error
    except signing.BadSignature as error:
        raise InvalidSponsorLink(
            "This link is not valid. Check it is the whole link from the email."
        ) from error
    pk, _, nonce = value.partition(".")
    application = Application.objects.select_related("cohort__programme").filter(pk=pk).first()
    if application is None or not nonce or nonce != application.sponsor_link_nonce:
        raise InvalidSponsorLink(
            "This link has been replaced by a newer one. Use the link in the latest email."
        )
    return application


@transaction.atomic(durable=True)
def sponsor_decide(*, token: str, supported: bool, comment: str = "", now=None) -> Application:
    """Record the sponsor's support or refusal given through their emailed link.

    Lock the application. Raise what sponsor_link_application raises, and
    WrongState when the sponsor has already answered or the application was
    withdrawn.
    """
    now = now or timezone.now()
    application = _lock_application(sponsor_link_application(token).pk)
    if application.state != Application.State.AWAITING_SPONSOR:
        raise WrongState(
            "This application is no longer waiting for a sponsor's answer "
            f"(it is {application.get_state_display().lower()})."
        )
    application.sponsor_decision = (
        Application.SponsorDecision.SUPPORTED
        if supported
        else Application.SponsorDecision.DECLINED
    )
    application.state = (
        Application.State.UNDER_REVIEW if supported else Application.State.SPONSOR_DECLINED
    )
    application.sponsor_comment = comment.strip()
    application.sponsor_decided_at = now
    application.save()
    _email(application, "sponsor_supported" if supported else "sponsor_declined")
    return application


@transaction.atomic(durable=True)
def sponsor_link_resend(*, application: Application, now=None) -> Application:
    """Email the sponsor a new link; older links stop working.

    Lock the application. Raise WrongState unless it is waiting for the
    sponsor, or when the sponsor was emailed less than SPONSOR_RESEND_GAP ago.
    """
    now = now or timezone.now()
    application = _lock_application(application.pk)
    if application.state != Application.State.AWAITING_SPONSOR:
        raise WrongState("This application is not waiting for a sponsor's answer.")
    if (
        application.sponsor_emailed_at
        and now - application.sponsor_emailed_at < SPONSOR_RESEND_GAP
    ):
        after = timezone.localtime(application.sponsor_emailed_at + SPONSOR_RESEND_GAP)
        raise WrongState(
            f"We emailed {application.sponsor_name} a few minutes ago. You can send the "
            f"request again after {after:%H:%M}.",
            code="sponsor_emailed_recently",
        )
    application.sponsor_link_nonce = secrets.token_hex(8)
    application.sponsor_emailed_at = now
    application.save(update_fields=["sponsor_link_nonce", "sponsor_emailed_at", "updated_at"])
    _email(application, "sponsor_request")
    return application


# --- decisions ----------------------------------------------------------------------


def offer_expiry(cohort: Cohort, *, now) -> datetime.datetime:
    """Return when an offer made now lapses: ACADEMY_OFFER_DAYS, but never after the start."""
    start = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(0, 0)))
    return max(now + datetime.timedelta(hours=1), min(now + _offer_period(), start))


def _offer_period() -> datetime.timedelta:
    return datetime.timedelta(days=settings.ACADEMY_OFFER_DAYS)


def _accept_locked(application: Application, *, cohort: Cohort, by, reason: str, now) -> None:
    if cohort.status == Cohort.Status.CANCELLED:
        raise WrongState("This cohort has been cancelled.")
    if cohort.starts_on <= timezone.localdate(now):
        raise WrongState("This cohort has already started.")
    if places_left(cohort=cohort, now=now) < 1:
        raise CohortFull(
            f"There are no places left on {cohort.name}. Put the application on the waiting list."
        )
    application.state = Application.State.ACCEPTED
    application.offer_expires_at = offer_expiry(cohort, now=now)
    application.decided_at, application.decided_by = now, by
    application.decision_reason = reason.strip()
    application.save()
    _email(application, "accepted")


@transaction.atomic(durable=True)
def application_decide(
    *, application: Application, decision: str, by, reason: str = "", now=None
) -> Application:
    """Accept an application, put it on the waiting list or reject it; email the applicant.

    Lock the cohort, then the application. Accepting holds a place until the
    offer lapses and raises CohortFull when none is left. Raise WrongState
    when the application cannot take that decision now (a sponsor has not
    supported it yet, or it is already decided), AcademyError when a
    rejection has no reason.
    """
    now = now or timezone.now()
    if decision not in Decision.CHOICES:
        raise AcademyError("Choose accept, waiting list or reject.", code="decision")
    cohort = _lock_cohort(application.cohort_id)
    application = _lock_application(application.pk)
    state = application.state
    label = application.get_state_display().lower()
    if decision == Decision.REJECT:
        if not reason.strip():
            raise AcademyError("Give a reason for rejecting the application.", code="reason")
        if state not in (*Application.REVIEWABLE_STATES, Application.State.ACCEPTED):
            raise WrongState(f"This application cannot be rejected: it is {label}.")
        application.state = Application.State.REJECTED
        application.offer_expires_at = None
        application.decided_at, application.decided_by = now, by
        application.decision_reason = reason.strip()
        application.save()
        _email(application, "rejected")
        if state == Application.State.ACCEPTED:
            enqueue_on_commit("academy.tasks.offer_freed_places", cohort.pk)
        return application
    if state == Application.State.AWAITING_SPONSOR:
        raise WrongState("The sponsor has not supported this application yet.")
    if decision == Decision.ACCEPT:
        if state not in (Application.State.UNDER_REVIEW, Application.State.WAITING_LIST):
            raise WrongState(f"This application cannot be accepted: it is {label}.")
        _accept_locked(application, cohort=cohort, by=by, reason=reason, now=now)
        return application
    if state != Application.State.UNDER_REVIEW:
        raise WrongState(f"This application cannot go on the waiting list: it is {label}.")
    application.state = Application.State.WAITING_LIST
    application.waiting_since = now
    application.decided_at, application.decided_by = now, by
    application.decision_reason = reason.strip()
    application.save()
    _email(application, "waiting_list")
    return application


@dataclass(frozen=True)
class BulkOutcome:
    done: list[Application]
    refused: list[tuple[Application, str]]


def applications_decide(
    *, applications: list[Application], decision: str, by, reason: str = "", now=None
) -> BulkOutcome:
    """Take one decision on several applications, each in its own transaction.

    Oldest application first, so that when places run out the earliest
    applicants get them. Return which were decided and why others were not.
    """
    done, refused = [], []
    for application in sorted(applications, key=lambda a: (a.submitted_at, a.pk)):
        try:
            done.append(
                application_decide(
                    application=application, decision=decision, by=by, reason=reason, now=now
                )
            )
        except DomainError as error:
            refused.append((application, error.message))
    return BulkOutcome(done=done, refused=refused)


@transaction.atomic(durable=True)
def application_withdraw(*, application: Application, by, now=None) -> Application:
    """Withdraw an application that is not yet enrolled; free its place if it held one.

    Lock the cohort, then the application. Raise WrongState otherwise.
    """
    now = now or timezone.now()
    cohort = _lock_cohort(application.cohort_id)
    application = _lock_application(application.pk)
    if application.state not in Application.OPEN_STATES:
        label = application.get_state_display().lower()
        raise WrongState(f"This application cannot be withdrawn: it is {label}.")
    held = application.state == Application.State.ACCEPTED
    application.state = Application.State.WITHDRAWN
    application.offer_expires_at = None
    application.save()
    _email(application, "withdrawn")
    if held:
        enqueue_on_commit("academy.tasks.offer_freed_places", cohort.pk)
    return application


# --- places freed and offers lapsing --------------------------------------------------


@transaction.atomic(durable=True)
def offer_freed_places(*, cohort: Cohort, now=None) -> list[Application]:
    """Offer the cohort's free places to the waiting list, first in line first.

    Lock the cohort, then each application. Nothing is offered once the
    cohort has started or was cancelled. Return the applications accepted.
    """
    now = now or timezone.now()
    cohort = _lock_cohort(cohort.pk)
    if cohort.status == Cohort.Status.CANCELLED or cohort.starts_on <= timezone.localdate(now):
        return []
    accepted = []
    free = places_left(cohort=cohort, now=now)
    waiting = cohort.applications.filter(state=Application.State.WAITING_LIST).order_by(
        "waiting_since", "submitted_at", "pk"
    )
    for application in list(waiting.values_list("pk", flat=True)[:free]):
        application = _lock_application(application)
        application.state = Application.State.ACCEPTED
        application.offer_expires_at = offer_expiry(cohort, now=now)
        application.decided_at, application.decided_by = now, None
        application.decision_reason = "A place became free and you were next on the waiting list."
        application.save()
        _email(application, "accepted")
        accepted.append(application)
    return accepted


def offers_lapse_overdue(*, now=None) -> list[int]:
    """Lapse accepted offers past their expiry and pass the places on.

    Each cohort is its own transaction (cohort locked first). Return the
    applications lapsed.
    """
    now = now or timezone.now()
    lapsed = []
    cohort_ids = (
        Application.objects.filter(state=Application.State.ACCEPTED, offer_expires_at__lte=now)
        .values_list("cohort_id", flat=True)
        .distinct()
    )
    for cohort_id in sorted(set(cohort_ids)):
        with transaction.atomic():
            _lock_cohort(cohort_id)
            overdue = Application.objects.select_for_update().filter(
                cohort_id=cohort_id, state=Application.State.ACCEPTED, offer_expires_at__lte=now
            )
            for application in overdue.order_by("pk"):
                application.state = Application.State.LAPSED
                application.save(update_fields=["state", "updated_at"])
                _email(application, "lapsed")
                lapsed.append(application.pk)
            enqueue_on_commit("academy.tasks.offer_freed_places", cohort_id)
    return lapsed
