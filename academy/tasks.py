"""django-q2 tasks: each takes ids, loads what it needs and calls a service.

The emails themselves are composed in academy.notifications.
"""

from academy import notifications
from academy.models import Cohort
from academy.services import applications


def send_application_email(application_id: int, kind: str) -> None:
    notifications.application_email_send(application_id=application_id, kind=kind)


def send_enrolment_email(enrolment_id: int) -> None:
    notifications.enrolment_email_send(enrolment_id=enrolment_id)


def send_enrolment_cancelled_email(enrolment_id: int) -> None:
    notifications.enrolment_cancelled_email_send(enrolment_id=enrolment_id)


def send_certificate_email(certificate_id: int) -> None:
    notifications.certificate_email_send(certificate_id=certificate_id)


def offer_freed_places(cohort_id: int) -> int:
    cohort = Cohort.objects.get(pk=cohort_id)
    return len(applications.offer_freed_places(cohort=cohort))


def lapse_overdue_offers() -> int:
    """Scheduled: lapse offers nobody confirmed in time and pass the places on."""
    return len(applications.offers_lapse_overdue())
