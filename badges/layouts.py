"""Badge layouts: page and badge geometry, text that shrinks to fit, ticket colours.

WeasyPrint cannot shrink text to fit a box, so each field's font size is
chosen here: the largest size from the field's list at which the text,
wrapped at spaces, takes no more lines than the field's box holds. Widths
come from the advance widths of the DejaVu Sans font files (the one family
certain to be installed, and the one the badge stylesheet names), without
kerning, which only narrows text: the estimate is never narrower than what
WeasyPrint lays out. A word too long for the box at the smallest size is
broken anywhere (the stylesheet sets `overflow-wrap: anywhere`), and text
too long even for that (far beyond any real name or organisation) is cut
with an ellipsis rather than left to run out of its box.

The stylesheet (templates/pdf/badges/badges.css) takes every position and
size from these layouts, so what is measured here is what is printed.
"""

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

PT_PER_MM = 72 / 25.4
# Leave a little room for what the estimate cannot see (rounding, hinting).
WIDTH_SAFETY = 0.97
# Em width assumed for a character when no font file can be read: wider
# than any DejaVu Sans letter but W and M, so the fallback errs on small.
FALLBACK_EM = 0.8
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
)


@dataclass(frozen=True)
class TextBox:
    """Where one field is printed on a badge, in mm, and the sizes it may take, in pt."""

    left: float
    top: float
    width: float
    height: float
    sizes: tuple[float, ...]
    bold: bool = False
    line_height: float = 1.15

    def lines_at(self, size: float) -> int:
        """Return how many lines of `size` pt text the box holds."""
        line_mm = size * self.line_height / PT_PER_MM
        return math.floor(self.height / line_mm + 1e-9)


@dataclass(frozen=True)
class Fitted:
    """A field's text with the font size chosen for its box."""

    text: str
    size: float
    lines: int
    box: TextBox
    break_anywhere: bool = False
    shortened: bool = False

    @property
    def size_index(self) -> int:
        """Return the place of the chosen size in the box's sizes (its CSS class)."""
        return self.box.sizes.index(self.size)

    @property
    def height(self) -> float:
        """Return the height of the text in mm."""
        return self.lines * self.size * self.box.line_height / PT_PER_MM

    @property
    def centred_offset(self) -> float:
        """Return the space in mm above the text that centres it in its box."""
        return round(max(0.0, (self.box.height - self.height) / 2), 2)


@dataclass(frozen=True)
class Layout:
    """A way of printing badges: the page, where badges sit on it, and what each shows."""

    key: str
    label: str
    hint: str
    page_width: float
    page_height: float
    badge_width: float
    badge_height: float
    columns: int
    rows: int
    first_name: TextBox
    full_name: TextBox
    job_title: TextBox
    organisation: TextBox
    # The ticket type's band runs the badge's width, `ticket_type.left` of it
    # either side of the text, from `ticket_type.top` to the badge's foot.
    ticket_type: TextBox
    qr_left: float
    qr_top: float
    qr_size: float
    cut_mark_length: float = 0.0
    cut_mark_gap: float = 2.0
    slots: tuple[tuple[float, float], ...] = field(init=False)

    def __post_init__(self):
        band = self.ticket_type
        if abs(band.width + 2 * band.left - self.badge_width) > 0.01:
            raise ValueError(f"{self.key}: the ticket type's text must be centred in its band")
        if abs(band.top + band.height - self.badge_height) > 0.01:
            raise ValueError(f"{self.key}: the ticket type's band must reach the badge's foot")
        left = (self.page_width - self.columns * self.badge_width) / 2
        top = (self.page_height - self.rows * self.badge_height) / 2
        slots = tuple(
            (round(left + column * self.badge_width, 2), round(top + row * self.badge_height, 2))
            for row in range(self.rows)
            for column in range(self.columns)
        )
        object.__setattr__(self, "slots", slots)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def ticket_type_offsets(self) -> list[dict]:
        """Return the space above the ticket type that centres it, per size and line count."""
        box = self.ticket_type
        return [
            {
                "size_index": index,
                "lines": lines,
                "mm": Fitted(text="", size=size, lines=lines, box=box).centred_offset,
            }
            for index, size in enumerate(box.sizes)
            for lines in range(1, box.lines_at(size) + 1)
        ]

    def cut_marks(self) -> list[tuple[float, float, float, float]]:
        """Return the cut marks of a sheet as lines (x1, y1, x2, y2), in mm from the top left.

        The marks sit in the page margin, in line with every edge between
        badges, and stop `cut_mark_gap` short of the badges.
        """
        if not self.cut_mark_length:
            return []
        left, top = self.slots[0]
        right = left + self.columns * self.badge_width
        bottom = top + self.rows * self.badge_height
        length, gap = self.cut_mark_length, self.cut_mark_gap
        lines = []
        for column in range(self.columns + 1):
            x = left + column * self.badge_width
            lines.append((x, top - gap - length, x, top - gap))
            lines.append((x, bottom + gap, x, bottom + gap + length))
        for row in range(self.rows + 1):
            y = top + row * self.badge_height
            lines.append((left - gap - length, y, left - gap, y))
            lines.append((right + gap, y, right + gap + length, y))
        return [tuple(round(value, 2) for value in line) for line in lines]

    def cut_marks_svg(self) -> str:
        """Return an SVG of the page's size with its cut marks, or "" if it has none.

        Drawn as the page's background: one image for every sheet, where a
        box per mark would add sixteen elements to lay out on each.
        """
        lines = self.cut_marks()
        if not lines:
            return ""
        width, height = self.page_width, self.page_height
        path = "".join(f"M{x1} {y1}L{x2} {y2}" for x1, y1, x2, y2 in lines)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
            f'viewBox="0 0 {width} {height}"><path d="{path}" fill="none" stroke="#0b0c0c" '
            f'stroke-width="0.1"/></svg>'
        )


A6 = Layout(
    key="a6",
    label="A6, one badge per page",
    hint="For badge holders and lanyards. Print on A6 card, or on A4 at 50% four to a sheet.",
    page_width=105,
    page_height=148,
    badge_width=105,
    badge_height=148,
    columns=1,
    rows=1,
    # The top 14 mm are left clear for a lanyard clip or punched hole.
    first_name=TextBox(
        8, 16, 89, 20, (40, 36, 32, 28, 26, 24, 22, 20, 18, 16, 14), bold=True, line_height=1.1
    ),
    full_name=TextBox(8, 38, 89, 12, (18, 16, 15, 14, 13, 12, 11, 10, 9, 8), bold=True),
    job_title=TextBox(8, 52, 89, 11, (13, 12, 11, 10, 9, 8, 7, 6.5)),
    organisation=TextBox(8, 64, 89, 17, (14, 13, 12, 11, 10, 9, 8, 7, 6.5, 6)),
    qr_left=33.5,
    qr_top=84,
    qr_size=38,
    ticket_type=TextBox(
        8, 128, 89, 20, (18, 16, 14, 12, 11, 10, 9, 8, 7), bold=True, line_height=1.1
    ),
)

A4_8 = Layout(
    key="a4-8",
    label="A4 sheet of 8 badges, with cut marks",
    hint="Eight 90 × 65 mm badges a sheet, 2 across and 4 down, for any office printer.",
    page_width=210,
    page_height=297,
    badge_width=90,
    badge_height=65,
    columns=2,
    rows=4,
    first_name=TextBox(
        5, 5, 51, 12, (28, 26, 24, 22, 20, 18, 16, 14, 12, 11, 10), bold=True, line_height=1.1
    ),
    full_name=TextBox(5, 18, 51, 7, (12, 11, 10, 9, 8, 7, 6.5, 6), bold=True),
    job_title=TextBox(5, 26, 51, 7, (10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6)),
    # Below the QR code the organisation has the badge's full width.
    organisation=TextBox(5, 34, 80, 15, (11, 10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5)),
    qr_left=59,
    qr_top=5,
    qr_size=26,
    ticket_type=TextBox(5, 51, 80, 14, (14, 13, 12, 11, 10, 9, 8, 7, 6), bold=True),
    cut_mark_length=8,
)

CR80 = Layout(
    key="cr80",
    label="CR80 card (85.6 × 54 mm), one per page",
    hint="For plastic card printers, printed edge to edge.",
    page_width=85.6,
    page_height=54,
    badge_width=85.6,
    badge_height=54,
    columns=1,
    rows=1,
    first_name=TextBox(
        3.5, 3.5, 52.6, 10.5, (24, 22, 20, 18, 16, 14, 12, 11, 10, 9), bold=True, line_height=1.1
    ),
    full_name=TextBox(3.5, 14.5, 52.6, 6.5, (11, 10, 9, 8, 7, 6.5, 6, 5.5), bold=True),
    job_title=TextBox(3.5, 21.5, 52.6, 6.5, (9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5)),
    organisation=TextBox(3.5, 28.5, 78.6, 12, (9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5)),
    qr_left=59.1,
    qr_top=3.5,
    qr_size=23,
    ticket_type=TextBox(3.5, 42, 78.6, 12, (12, 11, 10, 9, 8, 7, 6, 5.5), bold=True),
)

LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (A6, A4_8, CR80)}
LAYOUT_CHOICES = [(layout.key, layout.label) for layout in LAYOUTS.values()]
DEFAULT_LAYOUT = A4_8.key


# --- Measuring and fitting text ------------------------------------------------------


def _find_font(filename: str) -> Path | None:
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for directory, _, files in os.walk(root):
            if filename in files:
                return Path(directory) / filename
    return None


@functools.cache
def _advance_widths(bold: bool) -> tuple[dict[int, float], float] | None:
    """Return {code point: advance width in em} of DejaVu Sans, or None if it is missing."""
    path = _find_font(FONT_FILES[bold])
    if path is None:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
    # A character the font lacks is drawn from another font: assume it is wide.
    return widths, 1.0


def em_width(text: str, *, bold: bool) -> float:
    """Return the width of `text` set in DejaVu Sans, in em."""
    measured = _advance_widths(bold)
    if measured is None:
        return len(text) * FALLBACK_EM
    widths, missing = measured
    return sum(widths.get(ord(char), missing) for char in text)


def text_width(text: str, *, size: float, bold: bool) -> float:
    """Return the width of `text` set in DejaVu Sans at `size` pt, in pt."""
    return em_width(text, bold=bold) * size


def _segments(text: str) -> list[tuple[str, bool]]:
    """Split text where a line may break: (piece, whether a space comes before it).

    Lines may break at a space, and after a hyphen between a letter and a
    letter ("Prys-|Roberts"), as the Unicode line breaking rules WeasyPrint
    follows allow; WeasyPrint may find more places, which only saves lines.
    """
    segments = []
    for word in text.split(" "):
        start, space_before = 0, True
        for index in range(1, len(word) - 1):
            if word[index] == "-" and word[index - 1].isalpha() and word[index + 1].isalpha():
                segments.append((word[start : index + 1], space_before))
                start, space_before = index + 1, False
        segments.append((word[start:], space_before))
    return segments


def _line_count(
    pieces: list[tuple[str, float, bool]],
    *,
    space: float,
    width: float,
    bold: bool,
    break_anywhere: bool,
) -> int | None:
    """Return how many lines the pieces (text, em width, space before) take in `width` em.

    A piece wider than a line gives None, unless `break_anywhere`, when it
    starts a new line and is broken between any two characters, as
    `overflow-wrap: anywhere` does.
    """
    lines, used = 1, 0.0
    for piece, piece_width, space_before in pieces:
        gap = space if space_before else 0.0
        if used and used + gap + piece_width <= width:
            used += gap + piece_width
            continue
        if used:
            lines, used = lines + 1, 0.0
        if piece_width <= width:
            used = piece_width
            continue
        if not break_anywhere:
            return None
        for char in piece:
            char_width = em_width(char, bold=bold)
            if used and used + char_width > width:
                lines, used = lines + 1, 0.0
            used += char_width
    return lines


def _fits(text: str, box: TextBox, size: float, *, break_anywhere: bool) -> int | None:
    """Return the lines `text` takes in the box at `size` pt, or None if it does not fit."""
    pieces = [(p, em_width(p, bold=box.bold), before) for p, before in _segments(text)]
    width_em = box.width * PT_PER_MM * WIDTH_SAFETY / size
    lines = _line_count(
        pieces,
        space=em_width(" ", bold=box.bold),
        width=width_em,
        bold=box.bold,
        break_anywhere=break_anywhere,
    )
    return lines if lines is not None and lines <= box.lines_at(size) else None


@functools.lru_cache(maxsize=8192)
def fit_text(text: str, box: TextBox) -> Fitted:
    """Return `text` with the largest of the box's font sizes at which it fits the box.

    Cached: a batch repeats organisations, job titles and ticket types.
    """
    text = " ".join(text.split())
    if not text:
        return Fitted(text="", size=box.sizes[0], lines=0, box=box)
    for size in box.sizes:
        lines = _fits(text, box, size, break_anywhere=False)
        if lines is not None:
            return Fitted(text=text, size=size, lines=lines, box=box)
    size = box.sizes[-1]
    lines = _fits(text, box, size, break_anywhere=True)
    if lines is not None:
        return Fitted(text=text, size=size, lines=lines, box=box, break_anywhere=True)
    # Far longer than any real name: keep the longest start that fits, and say it is cut.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(text[:middle].rstrip() + "…", box, size, break_anywhere=True) is None:
            high = middle - 1
        else:
            low = middle
    shortened = text[:low].rstrip() + "…"
    lines = _fits(shortened, box, size, break_anywhere=True) or box.lines_at(size)
    return Fitted(
        text=shortened, size=size, lines=lines, box=box, break_anywhere=True, shortened=True
    )


# --- Ticket type colours -------------------------------------------------------------

# GOV.UK palette colours, dark and light in turn so that neighbouring ticket
# types differ in lightness too. The band's text is black or white, whichever
# contrasts more; every pair here is at least 4.5:1 (tests check).
BAND_COLOURS = (
    "#1d70b8",  # blue
    "#ffdd00",  # yellow
    "#00703c",  # green
    "#f47738",  # orange
    "#4c2c92",  # purple
    "#28a197",  # turquoise
    "#942514",  # dark red
    "#f499be",  # light pink
    "#0b0c0c",  # black
    "#85994b",  # light green
)
BLACK = "#0b0c0c"
WHITE = "#ffffff"


def _relative_luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted(
        (_relative_luminance(first), _relative_luminance(second)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """Return black or white, whichever reads better on `background`."""
    if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK):
        return WHITE
    return BLACK


def band_colour_index(ticket_type_id: int, event_ticket_type_ids: list[int]) -> int:
    """Return the palette place of a ticket type's band: the same in every batch of its event.

    Ticket types take the palette's colours in the order they were created,
    so adding a ticket type never changes the colour of one already printed.
    """
    ordered = sorted(event_ticket_type_ids)
    index = ordered.index(ticket_type_id) if ticket_type_id in ordered else ticket_type_id
    return index % len(BAND_COLOURS)


def band_colours() -> list[dict[str, str]]:
    """Return the palette as background and text colour pairs, by palette place."""
    return [{"background": c, "text": text_colour_on(c)} for c in BAND_COLOURS]
