"""Badge layouts: text that shrinks to fit its box, and ticket type colours that read well."""

import pytest

from badges.layouts import (
    A4_8,
    A6,
    BAND_COLOURS,
    CR80,
    LAYOUTS,
    Layout,
    TextBox,
    _advance_widths,
    band_colour_index,
    contrast_ratio,
    fit_text,
    text_colour_on,
    text_width,
)

# The longest values in the demo data, and names with Welsh and other accented letters.
LONG_ORGANISATION = "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy"
NAMES = ["Siân Llŷr", "Gwenllian Prys-Roberts", "Aoife Ní Mhaolchatha", "Øyvind Hansen"]


def test_the_dejavu_fonts_the_badges_name_are_measured_not_guessed():
    for bold in (False, True):
        measured = _advance_widths(bold)
        assert measured is not None, "DejaVu Sans is missing: the badges fall back to guesses"
        widths, _ = measured
        # Welsh circumflexes and the other letters of the demo names are in the font.
        for char in "ŷŵŶŴâêîôûáéíóúØøÓ":
            assert ord(char) in widths, char


def test_wider_letters_measure_wider():
    assert text_width("WWWW", size=10, bold=False) > text_width("iiii", size=10, bold=False)
    assert text_width("Gwen", size=10, bold=True) > text_width("Gwen", size=10, bold=False)
    assert text_width("Gwen", size=20, bold=False) == pytest.approx(
        2 * text_width("Gwen", size=10, bold=False)
    )


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_short_text_takes_the_largest_size(layout):
    fitted = fit_text("Siân", layout.first_name)

    assert fitted.size == layout.first_name.sizes[0]
    assert fitted.lines == 1
    assert not fitted.shortened


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_a_long_organisation_shrinks_and_is_kept_whole(layout):
    short = fit_text("Kent County Council", layout.organisation)
    long = fit_text(LONG_ORGANISATION, layout.organisation)

    assert long.size < short.size or long.lines > short.lines
    assert long.text == LONG_ORGANISATION
    assert not long.shortened
    assert not long.break_anywhere, "words of the longest organisation should never be split"
    assert long.height <= layout.organisation.height


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_demo_names_fit_whole(layout, name):
    for box in (layout.first_name, layout.full_name):
        fitted = fit_text(name, box)
        assert fitted.text == name
        assert not fitted.shortened and not fitted.break_anywhere
        assert fitted.lines <= box.lines_at(fitted.size)


def test_a_hyphen_between_letters_is_a_place_to_break():
    box = TextBox(0, 0, 40, 17, (20,), bold=True)

    fitted = fit_text("Prys-Roberts", box)

    assert fitted.lines == 2
    assert not fitted.break_anywhere


def test_a_word_too_long_for_any_size_is_broken_anywhere():
    box = A4_8.full_name

    fitted = fit_text("Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft", box)

    assert fitted.break_anywhere
    assert fitted.size == box.sizes[-1]
    assert fitted.lines <= box.lines_at(fitted.size)


def test_text_far_too_long_for_the_box_is_cut_with_an_ellipsis_rather_than_overflow():
    box = CR80.job_title
    text = "Deputy Director of Digital, Data and Technology Transformation " * 4

    fitted = fit_text(text, box)

    assert fitted.shortened
    assert fitted.text.endswith("…")
    assert text.startswith(fitted.text[:-1])
    assert fitted.lines <= box.lines_at(fitted.size)


def test_whitespace_is_tidied_and_empty_text_takes_no_lines():
    assert fit_text("  Siân \n Llŷr ", A6.full_name).text == "Siân Llŷr"
    assert fit_text("", A6.job_title).lines == 0


def test_layouts_place_their_badges_on_the_page():
    assert A6.per_page == 1 and A6.slots == ((0, 0),)
    assert CR80.per_page == 1
    assert A4_8.per_page == 8
    lefts = sorted({left for left, _ in A4_8.slots})
    tops = sorted({top for _, top in A4_8.slots})
    assert lefts == [15, 105]
    assert tops == [18.5, 83.5, 148.5, 213.5]
    for left, top in A4_8.slots:
        assert left + A4_8.badge_width <= A4_8.page_width
        assert top + A4_8.badge_height <= A4_8.page_height


def test_cut_marks_stay_in_the_margin_in_line_with_every_cut():
    marks = A4_8.cut_marks()
    left, top = A4_8.slots[0]
    right, bottom = left + 2 * A4_8.badge_width, top + 4 * A4_8.badge_height

    assert len(marks) == 2 * 3 + 2 * 5
    for x1, y1, x2, y2 in marks:
        for x, y in ((x1, y1), (x2, y2)):
            inside = left < x < right and top < y < bottom
            assert not inside, "a cut mark would print on a badge"
            assert 0 <= x <= A4_8.page_width and 0 <= y <= A4_8.page_height
    assert {x1 for x1, _, x2, _ in marks if x1 == x2} == {15, 105, 195}
    assert A6.cut_marks() == [] and A6.cut_marks_svg() == ""


def test_a_layout_whose_band_does_not_reach_the_foot_is_refused():
    with pytest.raises(ValueError, match="foot"):
        Layout(
            key="bad",
            label="Bad",
            hint="",
            page_width=100,
            page_height=100,
            badge_width=100,
            badge_height=100,
            columns=1,
            rows=1,
            first_name=A6.first_name,
            full_name=A6.full_name,
            job_title=A6.job_title,
            organisation=A6.organisation,
            ticket_type=TextBox(5, 80, 90, 10, (10,)),
            qr_left=0,
            qr_top=0,
            qr_size=10,
        )


# --- Colours -------------------------------------------------------------------------


@pytest.mark.parametrize("colour", BAND_COLOURS)
def test_every_band_colour_has_text_that_contrasts_enough(colour):
    # WCAG AA for normal text: the band's name must read without the colour.
    assert contrast_ratio(colour, text_colour_on(colour)) >= 4.5


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1)


def test_ticket_types_keep_their_colour_and_neighbours_differ():
    ids = [40, 12, 33]

    indexes = [band_colour_index(pk, ids) for pk in (12, 33, 40)]

    assert indexes == [0, 1, 2]
    # A ticket type added later takes the next colour; the others keep theirs.
    assert band_colour_index(12, [*ids, 50]) == 0
    assert band_colour_index(50, [*ids, 50]) == 3
    assert band_colour_index(12, ids) == band_colour_index(12, list(reversed(ids)))
