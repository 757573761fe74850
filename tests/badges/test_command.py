"""The render_badges command, for operators and benchmarks."""

import io

import pypdf
import pytest
from django.core.management import CommandError, call_command

from events.models import Registration
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event = EventFactory(slug="share-digital")
    order = OrderFactory()
    standard = TicketTypeFactory(event=event, name="Standard")
    speaker = TicketTypeFactory(event=event, name="Speaker")
    RegistrationFactory.create_batch(9, ticket_type=standard, order=order)
    RegistrationFactory(ticket_type=speaker, order=order, first_name="Siân", last_name="Llŷr")
    return event


def run(*args) -> str:
    out = io.StringIO()
    call_command("render_badges", *args, stdout=out)
    return out.getvalue()


def test_writes_every_confirmed_badge_to_one_pdf_and_says_how_long(event, tmp_path):
    output = tmp_path / "badges.pdf"

    said = run("share-digital", "--layout", "a4-8", "--output", str(output))

    assert said.startswith("10 badges (A4 sheet of 8 badges, with cut marks) written to ")
    assert said.rstrip().endswith(" s")
    assert len(pypdf.PdfReader(output).pages) == 2
    # Operators' and benchmarks' runs do not count as printing.
    assert not Registration.objects.filter(badge_printed_at__isnull=False).exists()


def test_filters_by_ticket_type_and_can_mark_printed(event, tmp_path):
    output = tmp_path / "speakers.pdf"

    said = run(
        "share-digital",
        "--layout",
        "cr80",
        "--output",
        str(output),
        "--ticket-type",
        "Speaker",
        "--order",
        "organisation",
        "--mark-printed",
    )

    assert said.startswith("1 badge (")
    assert "Siân Llŷr" in pypdf.PdfReader(output).pages[0].extract_text()
    assert Registration.objects.filter(badge_printed_at__isnull=False).count() == 1

    said = run("share-digital", "--layout", "a6", "--output", str(output), "--not-printed")
    assert said.startswith("9 badges (")


def test_says_what_is_wrong(event, tmp_path):
    output = str(tmp_path / "x.pdf")
    with pytest.raises(CommandError, match="No event has the slug"):
        run("no-such-event", "--layout", "a6", "--output", output)
    with pytest.raises(CommandError, match="no ticket type “Gold”: Standard, Speaker"):
        run("share-digital", "--layout", "a6", "--output", output, "--ticket-type", "Gold")
    Registration.objects.update(state=Registration.State.CANCELLED)
    with pytest.raises(CommandError, match="No confirmed places match"):
        run("share-digital", "--layout", "a6", "--output", output)
