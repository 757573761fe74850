"""Academy pages anyone can see: programmes, cohort calendars, the sponsor's link,
certificate verification and the certificate PDF.
"""

from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from academy.documents import certificate_pdf_bytes
from academy.exceptions import ExpiredSponsorLink, InvalidSponsorLink
from academy.forms_public import SponsorDecisionForm, VerifyForm
from academy.ical import cohort_calendar
from academy.models import Application, Cohort, Programme
from academy.selectors import (
    certificate_get,
    cohort_get_public,
    cohort_is_taking_applications,
    cohort_places_left,
    programme_get_public,
    programme_list_public,
)
from academy.services.applications import sponsor_decide, sponsor_link_application
from academy.services.enrolments import enrolment_price
from accounts.selectors import user_is_member
from core.exceptions import DomainError

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"

# "Few places left" from this many places, or a tenth of the cohort if more.
FEW_PLACES_MINIMUM = 3
FEW_PLACES_SHARE = 0.1


# --- what a cohort row shows ------------------------------------------------------------


@dataclass(frozen=True)
class CohortOffer:
    """A public cohort as its programme's page shows it."""

    cohort: Cohort
    places_left: int
    tag: str
    colour: str
    places_text: str
    taking_applications: bool
    why_not: str
    modules_needed: int


def _cohort_offer(cohort: Cohort, *, now) -> CohortOffer:
    """Say how many places a cohort has and whether, or why not, people can apply.

    Needs the cohort annotated by cohorts_with_places() and its programme loaded.
    """
    left = cohort_places_left(cohort)
    taking = cohort_is_taking_applications(cohort, now=now)
    why_not = ""
    if cohort.status == Cohort.Status.CANCELLED:
        tag, colour = "Cancelled", "red"
        why_not = "This cohort has been cancelled."
    elif cohort.status == Cohort.Status.DRAFT:
        tag, colour = "Draft", "grey"
        why_not = "This cohort is a draft. People can apply once it is open."
    elif cohort.status == Cohort.Status.CLOSED:
        tag, colour = "Applications closed", "grey"
        why_not = "Applications for this cohort are closed."
    elif now >= cohort.applications_close_at:
        tag, colour = "Applications closed", "grey"
        why_not = "The deadline for applications has passed."
    elif not cohort.programme.is_published:
        tag, colour = "Not yet published", "grey"
        why_not = "People can apply once the programme is published."
    elif left == 0:
        tag, colour = "Fully booked", "red"
    elif left <= max(FEW_PLACES_MINIMUM, int(cohort.capacity * FEW_PLACES_SHARE)):
        tag, colour = "Few places left", "yellow"
    else:
        tag, colour = "Places available", "green"
    if cohort.status == Cohort.Status.CANCELLED:
        places_text = ""
    elif left == 0:
        places_text = (
            "Fully booked – join the waiting list by applying" if taking else "Fully booked"
        )
    else:
        places_text = f"{left} place{'s' if left != 1 else ''} left"
    needed = cohort.programme.modules_needed(cohort.module_count)
    return CohortOffer(cohort, left, tag, colour, places_text, taking, why_not, needed)


def _next_cohort(cohorts: list[Cohort], *, now) -> Cohort | None:
    """The cohort to mention first: the soonest taking applications, else the soonest to come."""
    for cohort in cohorts:
        if cohort_is_taking_applications(cohort, now=now):
            return cohort
    today = timezone.localdate(now)
    for cohort in cohorts:
        if cohort.status != Cohort.Status.CANCELLED and cohort.starts_on >= today:
            return cohort
    return None


# --- programmes ---------------------------------------------------------------------------


@require_safe
def home(request):
    now = timezone.now()
    rows = []
    for programme in programme_list_public():
        cohort = _next_cohort(programme.public_cohorts, now=now)
        rows.append((programme, cohort and _cohort_offer(cohort, now=now)))
    return render(request, "academy/home.html", {"rows": rows})


@require_safe
def programme(request, programme):
    """A programme and its cohorts. Drafts are 404 unless the visitor may change programmes."""
    preview = request.user.has_perm("academy.change_programme")
    try:
        programme = programme_get_public(slug=programme, include_drafts=preview)
    except Programme.DoesNotExist as error:
        raise Http404("No such programme") from error
    now = timezone.now()
    offers = [_cohort_offer(cohort, now=now) for cohort in programme.public_cohorts]
    is_member = user_is_member(user=request.user) if request.user.is_authenticated else None
    response = render(
        request,
        "academy/programme.html",
        {
            "programme": programme,
            "offers": offers,
            "is_member": is_member,
            "is_preview": not programme.is_published,
        },
    )
    if preview:
        # A programme manager's view may show drafts: never from a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def cohort_ics(request, programme, cohort):
    """Download a public cohort's modules as one .ics file."""
    try:
        cohort = cohort_get_public(programme_slug=programme, cohort_slug=cohort)
    except Cohort.DoesNotExist as error:
        raise Http404("No such cohort") from error
    response = HttpResponse(cohort_calendar(cohort=cohort), content_type=CALENDAR_CONTENT_TYPE)
    filename = f"{cohort.programme.slug}-{cohort.slug}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the sponsor's link -------------------------------------------------------------------


def _sponsor_response(request, template, context, *, status=200):
    response = render(request, template, context, status=status)
    # The token in the address is the key: keep it out of Referer headers and caches.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _sponsor_context(application: Application) -> dict:
    cohort = application.cohort
    return {
        "application": application,
        "cohort": cohort,
        "programme": cohort.programme,
        "modules": list(cohort.modules.order_by("starts_at", "pk")),
        "fee": enrolment_price(cohort=cohort, delegate=application.applicant),
        "is_member_fee": user_is_member(user=application.applicant),
    }


def _sponsor_link_error(request, error: InvalidSponsorLink):
    """410 for an expired link; 400 for one altered or replaced by a newer one."""
    expired = isinstance(error, ExpiredSponsorLink)
    return _sponsor_response(
        request,
        "academy/sponsor_link_error.html",
        {"error": error, "expired": expired},
        status=410 if expired else 400,
    )


# No CSRF check: the signed token in the address is the only authority here; no
# session or cookie is trusted, so a forged POST would need the token itself. And
# with `Referrer-Policy: no-referrer` browsers send `Origin: null` on the form's
# POST, which Django's origin check would refuse.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sponsor(request, token):
    """Let the applicant's sponsor support or decline the application, without an account.

    GET only reads. A tampered or replaced link is 400, an expired one 410;
    an application already answered (or no longer waiting) shows what
    happened, with 200 on GET and 409 when a POST tried to change it.
    Nothing is written in any of those cases.
    """
    try:
        application = sponsor_link_application(token)
    except InvalidSponsorLink as error:
        return _sponsor_link_error(request, error)
    if application.state != Application.State.AWAITING_SPONSOR:
        return _sponsor_response(
            request,
            "academy/sponsor_answered.html",
            _sponsor_context(application),
            status=409 if request.method == "POST" else 200,
        )

    form = SponsorDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            application = sponsor_decide(
                token=token,
                supported=form.is_supported(),
                comment=form.cleaned_data["comment"],
            )
        except InvalidSponsorLink as error:
            # The link expired or was replaced between opening the page and answering.
            return _sponsor_link_error(request, error)
        except DomainError:
            # Someone answered (or the applicant withdrew) a moment ago.
            application.refresh_from_db()
            return _sponsor_response(
                request, "academy/sponsor_answered.html", _sponsor_context(application), status=409
            )
        return _sponsor_response(
            request, "academy/sponsor_done.html", _sponsor_context(application)
        )
    context = _sponsor_context(application) | {"form": form}
    return _sponsor_response(
        request, "academy/sponsor.html", context, status=400 if form.is_bound else 200
    )


# --- certificates -------------------------------------------------------------------------


def _noindex(response):
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def verify(request):
    """Ask for a certificate's code; `?code=` sends the visitor to its verification page."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        certificate = certificate_get(code=code)
        return redirect(
            "academy:verify_code", certificate.code if certificate else code.replace(" ", "")
        )
    return _noindex(
        render(
            request, "academy/verify.html", {"form": form}, status=400 if form.is_bound else 200
        )
    )


@require_safe
def verify_code(request, code):
    """Confirm a certificate is genuine, say it was revoked, or 404 for an unknown code."""
    certificate = certificate_get(code=code)
    if certificate is None:
        response = render(
            request,
            "academy/verify_not_found.html",
            {"code": code.strip()[:40], "form": VerifyForm()},
            status=404,
        )
        return _noindex(response)
    return _noindex(
        render(
            request,
            "academy/verify_result.html",
            {"certificate": certificate},
        )
    )


@require_safe
def certificate_pdf(request, code):
    """Download a certificate: its delegate while it is valid, programme managers always.

    Anyone else gets 404, so the address says nothing about whether it exists.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    certificate = certificate_get(code=code)
    if certificate is None:
        raise Http404("No such certificate")
    may_manage = request.user.has_perm("academy.view_certificate")
    owns = certificate.enrolment.delegate_id == request.user.pk
    if not (may_manage or (owns and certificate.is_valid)):
        raise Http404("No such certificate")
    response = HttpResponse(certificate_pdf_bytes(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response
