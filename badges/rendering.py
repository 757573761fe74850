"""Badges as PDF: what each badge shows, laid out by WeasyPrint in chunks, written as one file.

Badges are rendered many to a document (NOTES.md: one document of 200
badges is about twice as fast as 200 documents). A batch is laid out in
chunks so that its progress can be reported; the chunks' pages are then
written out as one PDF by WeasyPrint itself, so nothing else is needed at
run time to join them.
"""

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from badges.layouts import Fitted, Layout, band_colour_index, band_colours, fit_text
from core.pdf import BASE_URL, font_configuration, url_fetcher
from core.qr import qr_code, qr_png
from events.models import Event, Registration

# Badges laid out per WeasyPrint document in a batch: large enough that the
# per-document cost is small, small enough to report progress every second or so.
CHUNK_BADGES = 96
QR_BORDER = 4  # modules of quiet zone, as the QR code standard asks
# How the QR code is embedded. A PNG of one pixel a module, drawn unblurred
# (image-rendering: pixelated), is as sharp as an SVG at any size and is
# several times faster: WeasyPrint draws an SVG path segment by segment
# (bench/bench_badges.py measures both).
QR_PNG, QR_SVG = "png", "svg"


@dataclass(frozen=True)
class Badge:
    """What one delegate's badge shows, sized for one layout."""

    first_name: Fitted
    full_name: Fitted
    job_title: Fitted
    organisation: Fitted
    ticket_type: Fitted
    colour_index: int
    qr_src: str = ""
    qr_svg: SafeString | None = None


def qr_svg(secret: str) -> SafeString:
    """Return the ticket's QR code as an inline SVG element, sized by its container."""
    svg = qr_code(secret).svg_inline(scale=1, border=QR_BORDER, omitsize=True)
    # segno draws only path data from the secret: there is no text to escape.
    return mark_safe(svg)  # noqa: S308


def qr_png_data_uri(secret: str) -> str:
    """Return the ticket's QR code as a PNG data: URI, one pixel a module."""
    png = qr_png(secret, scale=1)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _svg_data_uri(svg: str) -> str:
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def ticket_type_colours(event: Event) -> dict[int, int]:
    """Return {ticket type id: band colour's palette place} for the event's ticket types."""
    ids = list(event.ticket_types.values_list("pk", flat=True))
    return {pk: band_colour_index(pk, ids) for pk in ids}


def badge_for(
    place: Registration, *, layout: Layout, colours: dict[int, int], qr_format: str = QR_PNG
) -> Badge:
    """Return the badge of a place, with each field's text sized for the layout."""
    colour_index = colours.get(place.ticket_type_id)
    if colour_index is None:
        colour_index = band_colour_index(place.ticket_type_id, [])
    secret = place.ticket_secret
    return Badge(
        first_name=fit_text(place.first_name or place.full_name, layout.first_name),
        full_name=fit_text(place.full_name, layout.full_name),
        job_title=fit_text(place.job_title, layout.job_title),
        organisation=fit_text(place.organisation, layout.organisation),
        ticket_type=fit_text(place.ticket_type.name, layout.ticket_type),
        colour_index=colour_index,
        qr_src=qr_png_data_uri(secret) if qr_format == QR_PNG else "",
        qr_svg=qr_svg(secret) if qr_format == QR_SVG else None,
    )


def badges_html(*, event: Event, badges: Sequence[Badge], layout: Layout) -> str:
    """Return the HTML document that prints `badges` in `layout`."""
    sheets = [
        badges[start : start + layout.per_page] for start in range(0, len(badges), layout.per_page)
    ]
    boxes = [
        ("first-name", layout.first_name),
        ("full-name", layout.full_name),
        ("job-title", layout.job_title),
        ("organisation", layout.organisation),
        ("ticket-type", layout.ticket_type),
    ]
    return render_to_string(
        "pdf/badges/badges.html",
        {
            "event": event,
            "layout": layout,
            "boxes": boxes,
            "sheets": sheets,
            "cut_marks": _svg_data_uri(layout.cut_marks_svg()),
            "ticket_type_offsets": layout.ticket_type_offsets(),
            "colours": band_colours(),
        },
    )


def render_documents(
    *,
    event: Event,
    places: Iterable[Registration],
    layout: Layout,
    chunk_size: int = CHUNK_BADGES,
    on_progress: Callable[[int], None] | None = None,
    qr_format: str = QR_PNG,
) -> list:
    """Lay out the places' badges as WeasyPrint documents of about `chunk_size` badges.

    Call `on_progress(badges laid out so far)` after each document.
    """
    from weasyprint import HTML

    # Whole sheets only, so that no sheet is split between two documents.
    per_chunk = max(1, round(chunk_size / layout.per_page)) * layout.per_page
    colours = ticket_type_colours(event)
    documents, chunk, done = [], [], 0

    def flush():
        nonlocal done
        html = badges_html(event=event, badges=chunk, layout=layout)
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
        documents.append(document.render(font_config=font_configuration()))
        done += len(chunk)
        chunk.clear()
        if on_progress:
            on_progress(done)

    for place in places:
        chunk.append(badge_for(place, layout=layout, colours=colours, qr_format=qr_format))
        if len(chunk) == per_chunk:
            flush()
    if chunk:
        flush()
    return documents


def write_pdf(documents: list) -> bytes:
    """Write the pages of every document, in order, as one PDF."""
    if not documents:
        raise ValueError("There are no badges to write.")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def render_badges_pdf(
    *,
    event: Event,
    places: Iterable[Registration],
    layout: Layout,
    chunk_size: int = CHUNK_BADGES,
    on_progress: Callable[[int], None] | None = None,
    qr_format: str = QR_PNG,
) -> bytes:
    """Return one PDF of the places' badges in `layout`, in the order given."""
    documents = render_documents(
        event=event,
        places=places,
        layout=layout,
        chunk_size=chunk_size,
        on_progress=on_progress,
        qr_format=qr_format,
    )
    return write_pdf(documents)
