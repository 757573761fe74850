"""Time a 500-badge A4 batch with WeasyPrint beside the same badges drawn by reportlab.

reportlab is the engine pretix draws its badges with: it is the yardstick.
Both engines print the same badges (A4 sheets of 8, 90 × 65 mm, with cut
marks): first name large, full name, job title, organisation, a coloured
band with the ticket type's name, and the QR code of the place's ticket
secret, in DejaVu Sans, with the font sizes badges.layouts chooses. Both
encode the QR codes with segno, as the badges do; a last, informational row
lets reportlab encode them with its own QrCodeWidget, as pretix does.
Target: the batch as badges renders it (in chunks, QR as PNG) within 2×
of reportlab.

Run from the project root (reportlab comes from requirements-dev.txt):

    .venv/bin/python bench/bench_badges.py [--badges 500] [--rounds 3]

The database is a temporary SQLite file unless DATABASE_URL is set (it is
then migrated and given a benchmark event: point it at a database you can
throw away).
"""

import argparse
import importlib.util
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from support import bench_environment, clean_up, migrate, setup_django

TARGET_RATIO = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--badges", type=int, default=500, help="badges (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--save", metavar="DIR", help="write each engine's PDF into DIR")
    return parser.parse_args()


def make_event(*, badges: int):
    """Create an event with `badges` confirmed places, named like the demo's delegates."""
    import datetime
    import random

    from django.db import transaction
    from django.utils import timezone

    from events.demo import ORGANISATIONS, PEOPLE
    from events.models import Event, Registration, TicketType
    from payments.models import Order

    rng = random.Random(6)
    jobs = ["Head of Digital", "Chief Information Officer", "Service Designer", "", "CDIO"]
    start = timezone.now() + datetime.timedelta(days=30)
    with transaction.atomic():
        event = Event.objects.create(
            slug=f"bench-badges-{int(time.time())}",
            title="Benchmark conference",
            summary="An event made by the badge benchmark.",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=8),
            capacity=badges,
            status=Event.Status.PUBLISHED,
        )
        tickets = [
            TicketType.objects.create(event=event, name=name)
            for name in ("Early bird (member)", "Standard", "Speaker")
        ]
        order = Order.objects.create(
            booker_name="Benchmark",
            booker_email="bench@example.org",
            payment_method=Order.PaymentMethod.FREE,
            state=Order.State.PAID,
        )
        places = []
        for n in range(badges):
            first, last = rng.choice(PEOPLE)
            places.append(
                Registration(
                    event=event,
                    ticket_type=rng.choice(tickets),
                    order=order,
                    state=Registration.State.CONFIRMED,
                    first_name=first,
                    last_name=last,
                    email=f"delegate{n}@example.org",
                    job_title=rng.choice(jobs),
                    organisation=rng.choice(ORGANISATIONS)[0],
                )
            )
        Registration.objects.bulk_create(places)
    return event


# --- reportlab: the same badges -------------------------------------------------------


def reportlab_badges(event, places, *, own_qr: bool = False) -> bytes:
    """Draw the places' badges on A4 sheets of 8 with reportlab's canvas; return the PDF."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from badges.layouts import A4_8, band_colours, fit_text
    from badges.layouts import _find_font as find_font
    from badges.rendering import ticket_type_colours
    from core.qr import qr_code

    fonts = {False: "BenchDejaVuSans", True: "BenchDejaVuSans-Bold"}
    for bold, name in fonts.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            filename = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
            pdfmetrics.registerFont(TTFont(name, str(find_font(filename))))

    layout = A4_8
    palette = band_colours()
    colours = ticket_type_colours(event)
    page_height = layout.page_height * mm
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(layout.page_width * mm, page_height))
    pdf.setTitle(f"Badges – {event.title}")

    def y_of(top_mm: float) -> float:
        return page_height - top_mm * mm

    def text(field, x0: float, y0: float, *, centred: bool = False) -> None:
        box = field.box
        font = fonts[box.bold]
        pdf.setFont(font, field.size)
        leading = field.size * box.line_height
        lines = simpleSplit(field.text, font, field.size, box.width * mm)
        offset = field.centred_offset * mm if centred else 0
        # The first baseline: one line down, less the descent, as a browser sets it.
        y = y_of(y0 + box.top) - offset - leading * 0.8
        for line in lines:
            x = (x0 + box.left) * mm
            if centred:
                pdf.drawCentredString(x + box.width * mm / 2, y, line)
            else:
                pdf.drawString(x, y, line)
            y -= leading

    def qr(secret: str, x0: float, y0: float) -> None:
        size = layout.qr_size * mm
        left, bottom = (x0 + layout.qr_left) * mm, y_of(y0 + layout.qr_top) - size
        if own_qr:
            widget = QrCodeWidget(secret, barLevel="M", barBorder=4)
            x1, y1, x2, y2 = widget.getBounds()
            drawing = Drawing(
                size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0]
            )
            drawing.add(widget)
            renderPDF.draw(drawing, pdf, left, bottom)
            return
        matrix = qr_code(secret).matrix_iter(scale=1, border=4)
        rows = [list(row) for row in matrix]
        module = size / len(rows)
        path = pdf.beginPath()
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if row[c]:
                    run = c
                    while run < len(row) and row[run]:
                        run += 1
                    path.rect(
                        left + c * module,
                        bottom + size - (r + 1) * module,
                        (run - c) * module,
                        module,
                    )
                    c = run
                else:
                    c += 1
        pdf.setFillColor("#000000")
        pdf.drawPath(path, stroke=0, fill=1)

    def cut_marks() -> None:
        pdf.setLineWidth(0.25)
        pdf.setStrokeColor("#0b0c0c")
        for x1, y1, x2, y2 in layout.cut_marks():
            pdf.line(x1 * mm, y_of(y1), x2 * mm, y_of(y2))

    for start in range(0, len(places), layout.per_page):
        cut_marks()
        for place, (x0, y0) in zip(
            places[start : start + layout.per_page], layout.slots, strict=False
        ):
            colour = palette[colours[place.ticket_type_id]]
            pdf.setFillColor("#0b0c0c")
            for value, box in (
                (place.first_name or place.full_name, layout.first_name),
                (place.full_name, layout.full_name),
                (place.job_title, layout.job_title),
                (place.organisation, layout.organisation),
            ):
                fitted = fit_text(value, box)
                if fitted.text:
                    text(fitted, x0, y0)
            pdf.setFillColor(colour["background"])
            pdf.rect(
                x0 * mm,
                y_of(y0 + layout.badge_height),
                layout.badge_width * mm,
                layout.ticket_type.height * mm,
                stroke=0,
                fill=1,
            )
            pdf.setFillColor(colour["text"])
            text(fit_text(place.ticket_type.name, layout.ticket_type), x0, y0, centred=True)
            qr(place.ticket_secret, x0, y0)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- Timing ---------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    pages: int = 0
    size: int = 0


def time_engines(runs: dict[str, tuple[str, Callable[[], bytes]]], *, rounds: int, save: str):
    """Time each engine `rounds` times, taking turns, after one untimed warm-up each.

    Taking turns spreads any load from other processes over every engine
    alike; CPU seconds are kept beside wall-clock seconds for the same reason.
    """
    import pypdf

    from badges.layouts import fit_text

    timings = {key: Timing(label) for key, (label, _) in runs.items()}
    for key, (label, run) in runs.items():
        print(f"Warming up: {label} ...", flush=True)
        content = run()
        timings[key].pages = len(pypdf.PdfReader(io.BytesIO(content)).pages)
        timings[key].size = len(content)
        if save:
            Path(save).mkdir(parents=True, exist_ok=True)
            (Path(save) / f"{key}.pdf").write_bytes(content)
    for round_number in range(1, rounds + 1):
        print(f"Round {round_number} of {rounds} ...", flush=True)
        for key, (_, run) in runs.items():
            # Each run measures and fits its text afresh, as a new batch would.
            fit_text.cache_clear()
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            timings[key].cpu.append(time.process_time() - cpu)
            timings[key].wall.append(time.perf_counter() - wall)
    return timings


def print_report(timings: dict[str, Timing], *, badges: int, rounds: int) -> None:
    import reportlab
    import weasyprint

    print()
    print(
        f"{badges} badges on A4 sheets of 8; best of {rounds} runs each, taken in turns; "
        f"weasyprint {weasyprint.__version__}, reportlab {reportlab.Version}, "
        f"Python {sys.version.split()[0]}"
    )
    header = f"{'engine':<54} {'wall s':>7} {'median':>7} {'CPU s':>7} {'pages':>6} {'KiB':>5}"
    print(header)
    print("-" * len(header))
    for t in timings.values():
        print(
            f"{t.label:<54} {min(t.wall):>7.2f} {statistics.median(t.wall):>7.2f} "
            f"{min(t.cpu):>7.2f} {t.pages:>6} {t.size / 1024:>5.0f}"
        )
    batch, yardstick = timings["weasyprint-batch"], timings["reportlab"]
    print()
    for measure in ("wall", "cpu"):
        ratio = min(getattr(batch, measure)) / min(getattr(yardstick, measure))
        verdict = "met" if ratio <= TARGET_RATIO else "NOT MET"
        name = "wall-clock" if measure == "wall" else "CPU"
        print(
            f"WeasyPrint batch / reportlab, {name}: {ratio:.2f}× "
            f"(target within {TARGET_RATIO:.0f}×: {verdict})"
        )
    print(
        f"Badges a second (wall-clock): WeasyPrint batch {badges / min(batch.wall):.0f}, "
        f"reportlab {badges / min(yardstick.wall):.0f}"
    )


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-badges-"))
    env = bench_environment(workdir)
    if importlib.util.find_spec("reportlab") is None:
        print("reportlab is missing: .venv/bin/pip install -r requirements-dev.txt")
        return 1
    try:
        migrate(env)
        setup_django(env)
        from badges.layouts import A4_8
        from badges.rendering import CHUNK_BADGES, QR_PNG, QR_SVG, render_badges_pdf
        from badges.selectors import badge_places

        event = make_event(badges=args.badges)
        places = list(badge_places(event=event))

        def weasy(**options) -> Callable[[], bytes]:
            return lambda: render_badges_pdf(event=event, places=places, layout=A4_8, **options)

        runs = {
            "weasyprint-batch": (
                f"WeasyPrint, as a batch renders (chunks of {CHUNK_BADGES}, PNG QR)",
                weasy(qr_format=QR_PNG),
            ),
            "weasyprint-one": (
                "WeasyPrint, one document, PNG QR",
                weasy(qr_format=QR_PNG, chunk_size=len(places)),
            ),
            "weasyprint-svg": (
                f"WeasyPrint, chunks of {CHUNK_BADGES}, inline SVG QR",
                weasy(qr_format=QR_SVG),
            ),
            "reportlab": (
                "reportlab canvas, segno QR (the yardstick)",
                lambda: reportlab_badges(event, places),
            ),
            "reportlab-own-qr": (
                "reportlab canvas, its own QrCodeWidget (as pretix)",
                lambda: reportlab_badges(event, places, own_qr=True),
            ),
        }
        timings = time_engines(runs, rounds=args.rounds, save=args.save)
        print_report(timings, badges=len(places), rounds=args.rounds)
        return 0
    except Exception:
        args.keep = True
        raise
    finally:
        clean_up(workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
