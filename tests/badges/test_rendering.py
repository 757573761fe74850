"""Badge PDFs: page counts, every field's text in full, nothing outside its box, the QR code."""

import io
import re

import pypdf
import pytest

from badges.layouts import A4_8, LAYOUTS, fit_text
from badges.rendering import (
    QR_SVG,
    badge_for,
    badges_html,
    qr_png_data_uri,
    render_badges_pdf,
    render_documents,
    ticket_type_colours,
)
from core.qr import qr_code
from events.models import Registration
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db

LONG_ORGANISATION = "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy"
# The demo's longest and most accented names, with the longest organisation.
DELEGATES = [
    ("Siân", "Llŷr", "Pennaeth Digidol / Head of Digital", LONG_ORGANISATION),
    ("Gwenllian", "Prys-Roberts", "Chief Digital and Information Officer", LONG_ORGANISATION),
    ("Aoife", "Ní Mhaolchatha", "Service Designer", "Derby City Council"),
    ("Øyvind", "Hansen", "", "Kent County Council"),
    ("Dafydd", "ap Gruffydd", "Rheolwr Gwasanaethau Cwsmeriaid a Thrawsnewid Digidol", ""),
    ("Zoë", "Ó Briain", "Head of Digital", "Ŵyr Ŷnys Council"),
]
FIELD_BOXES = {
    "first-name": "first_name",
    "full-name": "full_name",
    "job-title": "job_title",
    "organisation": "organisation",
    "ticket-type": "ticket_type",
}


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital")


@pytest.fixture
def early_bird(event):
    return TicketTypeFactory(event=event, name="Early bird (member)")


@pytest.fixture
def speaker(event):
    return TicketTypeFactory(event=event, name="Speaker")


@pytest.fixture
def delegates(early_bird, speaker):
    order = OrderFactory()
    return [
        RegistrationFactory(
            ticket_type=early_bird if n % 2 == 0 else speaker,
            order=order,
            first_name=first,
            last_name=last,
            job_title=job,
            organisation=organisation,
        )
        for n, (first, last, job, organisation) in enumerate(DELEGATES)
    ]


def pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def flat(text: str) -> str:
    """Join the lines of extracted text back up, as they read on the badge."""
    # A line may break after the hyphen of a double-barrelled name ("Prys-|Roberts").
    return re.sub(r"(?<=\w-)\s+", "", " ".join(text.split()))


# --- Pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("layout", "pages"), [("a6", 200), ("a4-8", 25), ("cr80", 200)])
def test_200_places_print_one_page_a_badge_or_a_sheet_of_8(event, early_bird, layout, pages):
    order = OrderFactory()
    places = RegistrationFactory.create_batch(
        200, ticket_type=early_bird, order=order, job_title="Head of Digital"
    )

    content = render_badges_pdf(event=event, places=places, layout=LAYOUTS[layout])

    reader = pypdf.PdfReader(io.BytesIO(content))
    # Anything that overflowed a sheet would have pushed on to an extra page.
    assert len(reader.pages) == pages
    first = reader.pages[0]
    width_mm = float(first.mediabox.width) * 25.4 / 72
    height_mm = float(first.mediabox.height) * 25.4 / 72
    assert width_mm == pytest.approx(LAYOUTS[layout].page_width, abs=0.1)
    assert height_mm == pytest.approx(LAYOUTS[layout].page_height, abs=0.1)
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assert all(place.full_name in text for place in places)


def test_a_batch_rendered_in_chunks_is_the_same_badges_in_the_same_order(event, delegates):
    whole = pages_text(render_badges_pdf(event=event, places=delegates, layout=LAYOUTS["a6"]))
    chunked = pages_text(
        render_badges_pdf(event=event, places=delegates, layout=LAYOUTS["a6"], chunk_size=2)
    )
    assert chunked == whole
    assert [flat(text).split()[0] for text in whole] == [p.first_name for p in delegates]


def test_chunks_hold_whole_sheets_and_report_progress(event, delegates):
    seen = []
    places = delegates * 3  # 18 badges

    documents = render_documents(
        event=event, places=places, layout=A4_8, chunk_size=5, on_progress=seen.append
    )

    # 5 rounds up to one sheet of 8 a chunk: 8, 16, then 18.
    assert seen == [8, 16, 18]
    assert [len(document.pages) for document in documents] == [1, 1, 1]


# --- Every field in full, nothing clipped ---------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_each_badge_alone_shows_every_field_in_full_on_one_page(event, delegates, layout):
    for place in delegates:
        content = render_badges_pdf(event=event, places=[place], layout=layout)

        pages = pages_text(content)
        assert len(pages) == 1, f"{place.full_name}'s badge ran on to a second page"
        text = flat(pages[0])
        for value in (
            place.first_name,
            place.full_name,
            place.job_title,
            place.organisation,
            place.ticket_type.name,
        ):
            assert value in text, f"{value!r} is missing from {layout.key}: {text!r}"


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_welsh_and_accented_letters_are_printed_not_replaced(event, delegates, layout):
    text = flat(
        " ".join(pages_text(render_badges_pdf(event=event, places=delegates, layout=layout)))
    )

    for letters in ("Siân Llŷr", "Øyvind", "Aoife Ní Mhaolchatha", "Zoë Ó Briain", "Ŵyr Ŷnys"):
        assert letters in text
    assert "\ufffd" not in text


def _descendants(box):
    for child in getattr(box, "children", ()):
        # Absolutely positioned boxes sit in the tree inside a placeholder.
        child = getattr(child, "_box", child)
        yield child
        yield from _descendants(child)


def assert_every_line_inside_its_box(documents, layout) -> set[str]:
    """Check WeasyPrint's own layout: every line of every field inside the field's box.

    A clipped or overflowing text would still be in the PDF's text; only the
    boxes say where it was drawn. Each field's box is where the layout
    measured it to fit, so WeasyPrint must also use no more lines than that.
    Return the fields checked.
    """
    from weasyprint.formatting_structure import boxes

    checked = set()
    for page in (page for document in documents for page in document.pages):
        for box in _descendants(page._page_box):
            if not isinstance(box, boxes.BlockBox) or box.element_tag != "p":
                continue
            name = next(c for c in box.element.get("class").split() if c in FIELD_BOXES)
            spec = getattr(layout, FIELD_BOXES[name])
            left, top = box.content_box_x(), box.content_box_y()
            right, bottom = left + box.width, top + box.height
            lines = [child for child in box.children if isinstance(child, boxes.LineBox)]
            for line in lines:
                assert line.position_y >= top - 0.01
                assert line.position_y + line.height <= bottom + 0.01, f"{name} runs out below"
                for text in _descendants(line):
                    if isinstance(text, boxes.TextBox):
                        assert text.position_x >= left - 0.01
                        assert text.position_x + text.width <= right + 0.01, (
                            f"{text.text!r} runs out of {name} on {layout.key}"
                        )
            predicted = fit_text(box.element.text or "", spec)
            assert len(lines) <= predicted.lines, f"{name}: more lines than measured"
            checked.add(name)
    return checked


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_no_line_of_text_leaves_its_box(event, delegates, layout):
    documents = render_documents(event=event, places=delegates, layout=layout)

    assert assert_every_line_inside_its_box(documents, layout) == set(FIELD_BOXES)


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_text_beyond_any_real_length_still_stays_in_its_box(event, early_bird, layout):
    place = RegistrationFactory(
        ticket_type=early_bird,
        first_name="Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        last_name="Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh-Cholmondeley",
        job_title="Deputy Director of Digital, Data and Technology Transformation " * 3,
        organisation=("Cyngor Bwrdeistref Sirol Conwy / Conwy County Borough Council " * 4)[:200],
    )
    early_bird.name = "Complimentary speaker, sponsor and exhibitor day pass with lunch"
    early_bird.save()
    place.refresh_from_db()

    documents = render_documents(event=event, places=[place], layout=layout)

    assert [len(document.pages) for document in documents] == [1]
    assert assert_every_line_inside_its_box(documents, layout) == set(FIELD_BOXES)


def test_longer_text_is_set_smaller(event, delegates):
    long, short = delegates[4], delegates[2]  # a long Welsh job title; "Service Designer"
    colours = ticket_type_colours(event)

    long_badge = badge_for(long, layout=A4_8, colours=colours)
    short_badge = badge_for(short, layout=A4_8, colours=colours)

    assert long_badge.job_title.size < short_badge.job_title.size
    html = badges_html(event=event, badges=[long_badge, short_badge], layout=A4_8)
    assert f'class="field job-title s{long_badge.job_title.size_index}">{long.job_title}' in html
    assert f'class="field job-title s0">{short.job_title}' in html


# --- Ticket type band ----------------------------------------------------------------


def test_each_ticket_type_has_its_own_band_colour_and_its_name_in_words(
    event, delegates, early_bird, speaker
):
    colours = ticket_type_colours(event)
    assert colours[early_bird.pk] != colours[speaker.pk]

    badges = [badge_for(place, layout=A4_8, colours=colours) for place in delegates[:2]]
    html = badges_html(event=event, badges=badges, layout=A4_8)

    assert f'c{colours[early_bird.pk]}">Early bird (member)</p>' in html
    assert f'c{colours[speaker.pk]}">Speaker</p>' in html
    text = flat(pages_text(render_badges_pdf(event=event, places=delegates[:2], layout=A4_8))[0])
    assert "Early bird (member)" in text and "Speaker" in text


# --- QR code -------------------------------------------------------------------------


def test_the_printed_qr_code_is_the_tickets_own(event, delegates):
    """Read the QR image back out of the PDF and compare it, module by module, with segno's."""
    place = delegates[0]
    content = render_badges_pdf(event=event, places=[place], layout=LAYOUTS["a6"])

    images = pypdf.PdfReader(io.BytesIO(content)).pages[0].images
    assert len(images) == 1
    printed = images[0].image.convert("L")
    expected = [list(row) for row in qr_code(place.ticket_secret).matrix_iter(border=4)]
    assert printed.size == (len(expected), len(expected))
    read = [
        [printed.getpixel((x, y)) < 128 for x in range(printed.width)]
        for y in range(printed.height)
    ]
    assert read == [[bool(module) for module in row] for row in expected]


def test_the_qr_code_is_embedded_from_the_tickets_secret(event, delegates):
    colours = ticket_type_colours(event)
    place = delegates[0]

    png = badges_html(
        event=event, badges=[badge_for(place, layout=A4_8, colours=colours)], layout=A4_8
    )
    svg = badges_html(
        event=event,
        badges=[badge_for(place, layout=A4_8, colours=colours, qr_format=QR_SVG)],
        layout=A4_8,
    )

    assert qr_png_data_uri(place.ticket_secret) in png
    path = qr_code(place.ticket_secret).svg_inline(scale=1, border=4, omitsize=True)
    assert re.search(r' d="([^"]+)"', path).group(1) in svg
    other = Registration(ticket_secret="another-secret")
    assert qr_png_data_uri(other.ticket_secret) not in png
