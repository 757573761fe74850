"""Render an event's badges to a PDF file, for operators and benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from badges.layouts import LAYOUTS
from badges.models import BadgeBatch
from badges.services import badges_render_to_file
from core.exceptions import DomainError
from events.models import Event


class Command(BaseCommand):
    help = (
        "Render the badges of an event's confirmed places to one PDF file. "
        "Nothing is marked printed unless --mark-printed is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("event", metavar="EVENT_SLUG")
        parser.add_argument("--layout", choices=list(LAYOUTS), required=True)
        parser.add_argument("--output", metavar="FILE.pdf", required=True)
        parser.add_argument(
            "--not-printed", action="store_true", help="only badges not printed before"
        )
        parser.add_argument("--ticket-type", metavar="NAME", help="only this ticket type")
        parser.add_argument(
            "--order", choices=BadgeBatch.SortBy.values, default=BadgeBatch.SortBy.SURNAME
        )
        parser.add_argument(
            "--mark-printed", action="store_true", help="record the badges as printed"
        )

    def handle(self, *args, **options):
        try:
            event = Event.objects.get(slug=options["event"])
        except Event.DoesNotExist:
            raise CommandError(f"No event has the slug “{options['event']}”.") from None
        ticket_type = None
        if options["ticket_type"]:
            ticket_type = event.ticket_types.filter(name=options["ticket_type"]).first()
            if ticket_type is None:
                names = ", ".join(event.ticket_types.values_list("name", flat=True))
                raise CommandError(
                    f"{event.title} has no ticket type “{options['ticket_type']}”: {names}."
                )
        try:
            rendered = badges_render_to_file(
                event=event,
                layout=options["layout"],
                path=options["output"],
                ticket_type=ticket_type,
                not_printed=options["not_printed"],
                sort_by=options["order"],
                mark_printed=options["mark_printed"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{rendered.badges} badge{'' if rendered.badges == 1 else 's'} "
            f"({LAYOUTS[options['layout']].label}) written to {options['output']} "
            f"in {rendered.seconds:.2f} s"
        )
