"""Badge pages for event staff: an event's batches, a batch's progress and PDF, one badge."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from badges.exceptions import UnknownLayout
from badges.forms import BatchForm
from badges.layouts import A6
from badges.models import BadgeBatch
from badges.selectors import badge_place_get, batch_get, event_batches
from badges.services import badge_print, batch_create
from core.exceptions import DomainError
from events.selectors import staff_event_get

CHANGE = "events.change_registration"
# Batches listed on an event's badge page; older ones stay in the admin.
BATCHES_SHOWN = 20

STATE_TAGS = {
    BadgeBatch.State.QUEUED: "govuk-tag--grey",
    BadgeBatch.State.RENDERING: "govuk-tag--light-blue",
    BadgeBatch.State.DONE: "govuk-tag--green",
    BadgeBatch.State.FAILED: "govuk-tag--red",
}


def staff_required(perm: str):
    """Send anonymous visitors to sign in; refuse signed-in users without `perm` (403)."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def _badges(count: int) -> str:
    return f"{count} badge{'' if count == 1 else 's'}"


def batch_status(batch: BadgeBatch) -> dict:
    """Return what the batch page and its status JSON say about a batch's progress."""
    State = BadgeBatch.State
    if batch.state == State.QUEUED:
        message = f"{_badges(batch.total)} to print. Rendering starts in a moment."
    elif batch.state == State.RENDERING and batch.total and batch.done_count == batch.total:
        message = f"All {_badges(batch.total)} laid out. Writing the PDF."
    elif batch.state == State.RENDERING:
        message = f"{batch.done_count} of {_badges(batch.total)} rendered."
    elif batch.state == State.DONE:
        message = f"{_badges(batch.total)} ready to download."
    else:
        message = batch.error or "The badges could not be rendered."
    done = batch.state == State.DONE
    return {
        "state": batch.state,
        "label": batch.get_state_display(),
        "tag_class": STATE_TAGS[batch.state],
        "done": batch.done_count,
        "total": batch.total,
        "message": message,
        "finished": batch.is_finished,
        "download_url": (
            reverse("badges:batch_pdf", args=[batch.event.slug, batch.pk]) if done else None
        ),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CHANGE)
def event_badges(request, slug):
    event = staff_event_get(slug=slug)
    form = BatchForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create(event=event, created_by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("badges:batch", slug=event.slug, pk=batch.pk)
    batches = [
        (batch, batch_status(batch)) for batch in event_batches(event=event)[:BATCHES_SHOWN]
    ]
    return render(request, "badges/event.html", {"event": event, "form": form, "batches": batches})


@require_safe
@staff_required(CHANGE)
def batch_detail(request, slug, pk):
    event = staff_event_get(slug=slug)
    batch = batch_get(event=event, pk=pk)
    return render(
        request,
        "badges/batch.html",
        {"event": event, "batch": batch, "status": batch_status(batch)},
    )


@never_cache
@require_safe
@staff_required(CHANGE)
def batch_status_json(request, slug, pk):
    event = staff_event_get(slug=slug)
    return JsonResponse(batch_status(batch_get(event=event, pk=pk)))


def _no_store(response):
    # The PDF holds ticket secrets as QR codes: keep it out of every cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@staff_required(CHANGE)
def batch_pdf(request, slug, pk):
    event = staff_event_get(slug=slug)
    batch = batch_get(event=event, pk=pk)
    if batch.state != BadgeBatch.State.DONE or not batch.pdf:
        raise Http404("The batch has no PDF yet")
    filename = f"{event.slug}-badges-{batch.layout}-{batch.pk}.pdf"
    return _no_store(
        FileResponse(batch.pdf.open("rb"), content_type="application/pdf", filename=filename)
    )


@require_safe
@staff_required(CHANGE)
def badge_pdf(request, pk):
    """Render one place's badge now (the check-in desk links here) and mark it printed.

    A GET that records the print, like a download log: the desk prints with
    one tap on a link, and a second tap reprints the same badge.
    """
    place = badge_place_get(pk=pk)
    try:
        printed = badge_print(place=place, layout=request.GET.get("layout") or A6.key)
    except UnknownLayout as error:
        return HttpResponseBadRequest(error.message)
    response = HttpResponse(printed.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{printed.filename}"'
    return _no_store(response)
