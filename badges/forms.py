"""Forms of badges: validation of input shape only."""

from django import forms

from badges.layouts import DEFAULT_LAYOUT, LAYOUT_CHOICES, LAYOUTS
from badges.models import BadgeBatch
from events.models import Event, TicketType


class TicketTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (hidden)" if obj.hidden else obj.name


class BatchForm(forms.Form):
    """Which badges a batch prints, how, and in what order."""

    layout = forms.ChoiceField(
        label="Layout",
        choices=LAYOUT_CHOICES,
        initial=DEFAULT_LAYOUT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a layout", "invalid_choice": "Select a layout"},
    )
    ticket_type = TicketTypeChoiceField(
        label="Ticket type",
        queryset=TicketType.objects.none(),
        required=False,
        empty_label="All ticket types",
        error_messages={"invalid_choice": "Select a ticket type from the list"},
    )
    not_printed = forms.BooleanField(
        label="Only badges that have not been printed yet",
        required=False,
        help_text="Leave unticked to print every badge again.",
    )
    booked_since = forms.DateTimeField(
        label="Booked since (optional)",
        required=False,
        help_text="Only places booked at or after this time, such as late bookings.",
        error_messages={"invalid": "Enter a real date and time"},
    )
    sort_by = forms.ChoiceField(
        label="Order",
        choices=BadgeBatch.SortBy.choices,
        initial=BadgeBatch.SortBy.SURNAME,
        widget=forms.RadioSelect,
        error_messages={"required": "Select an order", "invalid_choice": "Select an order"},
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = event.ticket_types.order_by(
            "position", "price_net", "pk"
        )

    def layout_options(self) -> list[tuple]:
        """Return each layout radio with the layout's hint."""
        return [
            (option, LAYOUTS[option.data["value"]].hint) for option in self["layout"].subwidgets
        ]
