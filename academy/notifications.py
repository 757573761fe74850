"""The academy's emails: to applicants at each step, to sponsors, to delegates.

Each function loads fresh rows and sends one message; tasks call them after
the transaction that caused them has committed.
"""

from django.conf import settings
from django.urls import reverse

from academy.models import Application, Certificate, Enrolment
from core.email import send_email

# Emails to the applicant, by what just happened to their application.
APPLICANT_EMAILS = {
    "submitted",
    "sponsor_supported",
    "sponsor_declined",
    "accepted",
    "waiting_list",
    "rejected",
    "lapsed",
    "withdrawn",
}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def sponsor_link_url(application: Application) -> str:
    from academy.services.applications import sponsor_link_token

    return absolute(reverse("academy:sponsor", args=[sponsor_link_token(application)]))


def application_email_send(*, application_id: int, kind: str) -> int:
    application = Application.objects.select_related("cohort__programme").get(pk=application_id)
    context = {
        "application": application,
        "cohort": application.cohort,
        "programme": application.cohort.programme,
        "application_url": absolute(application.get_absolute_url()),
    }
    if kind == "sponsor_request":
        context["sponsor_url"] = sponsor_link_url(application)
        context["link_days"] = settings.ACADEMY_SPONSOR_LINK_DAYS
        return send_email(
            to=[application.sponsor_email],
            template="email/academy/sponsor_request",
            context=context,
            reply_to=[application.email],
        )
    if kind not in APPLICANT_EMAILS:
        raise ValueError(f"Unknown application email: {kind}")
    return send_email(to=[application.email], template=f"email/academy/{kind}", context=context)


def enrolment_email_send(*, enrolment_id: int) -> int:
    enrolment = Enrolment.objects.select_related("cohort__programme", "application", "order").get(
        pk=enrolment_id
    )
    return send_email(
        to=[enrolment.application.email],
        template="email/academy/enrolled",
        context={
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
            "modules": list(enrolment.cohort.modules.order_by("starts_at")),
            "enrolment_url": absolute(enrolment.get_absolute_url()),
        },
    )


def enrolment_cancelled_email_send(*, enrolment_id: int) -> int:
    enrolment = Enrolment.objects.select_related("cohort__programme", "application").get(
        pk=enrolment_id
    )
    return send_email(
        to=[enrolment.application.email],
        template="email/academy/enrolment_cancelled",
        context={
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "programme": enrolment.cohort.programme,
        },
    )


def certificate_email_send(*, certificate_id: int) -> int:
    certificate = Certificate.objects.select_related("enrolment__application").get(
        pk=certificate_id
    )
    return send_email(
        to=[certificate.enrolment.application.email],
        template="email/academy/certificate",
        context={
            "certificate": certificate,
            "enrolment_url": absolute(certificate.enrolment.get_absolute_url()),
            "verify_url": absolute(certificate.get_absolute_url()),
        },
    )
