"""Every write of badges: create and render a batch, print one badge on demand."""

import datetime
import logging
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from badges.exceptions import NothingToPrint, UnknownLayout
from badges.layouts import LAYOUTS, Layout
from badges.models import BadgeBatch
from badges.rendering import render_badges_pdf
from badges.selectors import badge_places, batch_places
from core.tasks import enqueue_on_commit
from events.models import Event, Registration, TicketType

logger = logging.getLogger(__name__)


def _layout(key: str) -> Layout:
    try:
        return LAYOUTS[key]
    except KeyError:
        raise UnknownLayout(f"There is no badge layout “{key}”.") from None


def places_mark_printed(*, place_ids: list[int], at: datetime.datetime) -> int:
    """Record that the places' badges were printed at `at`; return how many were marked.

    A reprint moves the time on: it says when the badge now in use was printed.
    """
    return Registration.objects.filter(pk__in=place_ids).update(badge_printed_at=at)


@transaction.atomic(durable=True)
def batch_create(
    *,
    event: Event,
    layout: str,
    created_by,
    ticket_type: TicketType | None = None,
    not_printed: bool = False,
    booked_since: datetime.datetime | None = None,
    sort_by: str = BadgeBatch.SortBy.SURNAME,
) -> BadgeBatch:
    """Queue a batch of the event's badges; render it in the background once committed.

    Raise UnknownLayout for a layout that does not exist, NothingToPrint when
    no confirmed place matches the filters (or the ticket type is another
    event's).
    """
    _layout(layout)
    if ticket_type is not None and ticket_type.event_id != event.pk:
        raise NothingToPrint("That ticket type is not one of this event’s.")
    count = badge_places(
        event=event,
        ticket_type_id=ticket_type.pk if ticket_type else None,
        not_printed=not_printed,
        booked_since=booked_since,
        sort_by=sort_by,
    ).count()
    if not count:
        raise NothingToPrint("No confirmed places match these choices.")
    batch = BadgeBatch.objects.create(
        event=event,
        layout=layout,
        ticket_type=ticket_type,
        not_printed=not_printed,
        booked_since=booked_since,
        sort_by=sort_by,
        total=count,
        created_by=created_by,
    )
    enqueue_on_commit("badges.tasks.render_batch", batch.pk)
    return batch


def batch_render(*, batch_id: int) -> BadgeBatch | None:
    """Render a queued batch to one PDF, store it and mark its places printed.

    Claim the batch first (queued -> rendering, one conditional UPDATE), so a
    task delivered twice renders it once; return None when it was not
    queued. Progress is saved after each chunk of badges, outside any
    transaction, so the batch page can show it. The PDF is stored, then the
    batch marked done and its places printed in one transaction. Any error
    marks the batch failed with the reason, and is logged.
    """
    claimed = BadgeBatch.objects.filter(pk=batch_id, state=BadgeBatch.State.QUEUED).update(
        state=BadgeBatch.State.RENDERING, started_at=timezone.now(), done_count=0
    )
    if not claimed:
        logger.info("Badge batch %s is not waiting to be rendered; skipped", batch_id)
        return None
    batch = BadgeBatch.objects.select_related("event").get(pk=batch_id)
    try:
        # The selection is taken again now: places may have been booked or cancelled.
        places = list(batch_places(batch=batch))
        if not places:
            raise NothingToPrint("No confirmed places matched these choices when the batch ran.")
        BadgeBatch.objects.filter(pk=batch.pk).update(total=len(places))

        def on_progress(done: int) -> None:
            BadgeBatch.objects.filter(pk=batch.pk).update(done_count=done)

        content = render_badges_pdf(
            event=batch.event, places=places, layout=batch.layout_spec, on_progress=on_progress
        )
        name = f"{batch.event.slug}-badges-{batch.layout}-{batch.pk}.pdf"
        batch.pdf.save(name, ContentFile(content), save=False)
        with transaction.atomic(durable=True):
            now = timezone.now()
            places_mark_printed(place_ids=[place.pk for place in places], at=now)
            BadgeBatch.objects.filter(pk=batch.pk).update(
                state=BadgeBatch.State.DONE,
                pdf=batch.pdf.name,
                total=len(places),
                done_count=len(places),
                finished_at=now,
                error="",
            )
    except Exception as error:
        logger.exception("Badge batch %s failed", batch_id)
        if isinstance(error, NothingToPrint):
            reason = error.message
        else:
            reason = (
                f"Something went wrong while rendering ({type(error).__name__}). Start the "
                "batch again, and if it fails again tell the web team."
            )
        BadgeBatch.objects.filter(pk=batch.pk).update(
            state=BadgeBatch.State.FAILED,
            finished_at=timezone.now(),
            error=reason[:1000],
        )
    batch.refresh_from_db()
    return batch


@dataclass(frozen=True)
class PrintedBadge:
    content: bytes
    filename: str


def badge_print(*, place: Registration, layout: str) -> PrintedBadge:
    """Render one place's badge now and mark it printed; a reprint works the same.

    Only a confirmed place has a badge: raise NothingToPrint for any other,
    UnknownLayout for a layout that does not exist.
    """
    spec = _layout(layout)
    if place.state != Registration.State.CONFIRMED:
        raise NothingToPrint("Only a confirmed place has a badge.")
    content = render_badges_pdf(event=place.event, places=[place], layout=spec)
    with transaction.atomic(durable=True):
        places_mark_printed(place_ids=[place.pk], at=timezone.now())
    return PrintedBadge(content=content, filename=f"badge-{place.pk}-{layout}.pdf")


@dataclass(frozen=True)
class RenderedFile:
    badges: int
    seconds: float


def badges_render_to_file(
    *,
    event: Event,
    layout: str,
    path,
    ticket_type: TicketType | None = None,
    not_printed: bool = False,
    sort_by: str = BadgeBatch.SortBy.SURNAME,
    mark_printed: bool = False,
) -> RenderedFile:
    """Write the badges of the event's matching confirmed places to a PDF file at `path`.

    For operators and benchmarks: nothing is recorded unless `mark_printed`.
    Raise NothingToPrint when no place matches.
    """
    spec = _layout(layout)
    if ticket_type is not None and ticket_type.event_id != event.pk:
        raise NothingToPrint("That ticket type is not one of this event’s.")
    started = time.perf_counter()
    places = list(
        badge_places(
            event=event,
            ticket_type_id=ticket_type.pk if ticket_type else None,
            not_printed=not_printed,
            sort_by=sort_by,
        )
    )
    if not places:
        raise NothingToPrint("No confirmed places match these choices.")
    content = render_badges_pdf(event=event, places=places, layout=spec)
    with open(path, "wb") as file:
        file.write(content)
    if mark_printed:
        with transaction.atomic(durable=True):
            places_mark_printed(place_ids=[place.pk for place in places], at=timezone.now())
    return RenderedFile(badges=len(places), seconds=time.perf_counter() - started)
