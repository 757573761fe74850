"""Forms for the event staff desk: validation of input shape only."""

from django import forms

from events.models import Event, Registration, TicketType
from events.services.booking import DelegateDetails

NEEDS_CHOICES = [("dietary", "Dietary requirements"), ("access", "Access needs")]


class AttendeeFilterForm(forms.Form):
    """The filters on the attendee list and its CSV. Values that do not parse are dropped."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, email address, organisation or booking reference",
    )
    state = forms.ChoiceField(
        label="Place state",
        required=False,
        choices=[("", "Any state"), *Registration.State.choices],
    )
    ticket_type = forms.TypedChoiceField(
        label="Ticket type", required=False, coerce=int, empty_value=None
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        required=False,
        choices=NEEDS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Show places with any of these",
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].choices = [("", "Any ticket type")] + [
            (t.pk, f"{t.name} (hidden)" if t.hidden else t.name)
            for t in event.ticket_types.order_by("position", "price_net", "pk")
        ]

    def filters(self) -> tuple[dict, list[str]]:
        """Return the filters that parsed, and a sentence for each one that did not."""
        if not self.is_bound:
            return {"state": "", "ticket_type_id": None, "search": "", "needs": []}, []
        self.is_valid()
        ignored = [
            f"{self.fields[name].label}: {'; '.join(errors)}"
            for name, errors in self.errors.items()
        ]
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        return (
            {
                "state": data.get("state") or "",
                "ticket_type_id": data.get("ticket_type"),
                "search": (data.get("q") or "").strip(),
                "needs": data.get("needs") or [],
            },
            ignored,
        )


class TicketTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (hidden)" if obj.hidden else obj.name


class CompForm(forms.Form):
    """One complimentary place: the ticket and the delegate's details."""

    ticket_type = TicketTypeChoiceField(
        label="Ticket type",
        queryset=TicketType.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a ticket type",
            "invalid_choice": "Select a ticket type",
        },
    )
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter the delegate’s first name"},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the delegate’s last name"},
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter the delegate’s email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    dietary = forms.CharField(
        label="Dietary requirements",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_needs = forms.CharField(
        label="Access needs",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = event.ticket_types.order_by(
            "position", "price_net", "pk"
        )
        # Staff type in someone else's details: their own autofill would be wrong.
        for name in ("first_name", "last_name", "email", "job_title", "organisation"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def delegate(self) -> DelegateDetails:
        data = self.cleaned_data
        return DelegateDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            job_title=data["job_title"],
            organisation=data["organisation"],
            dietary=data["dietary"],
            access_needs=data["access_needs"],
        )


class StaffMessageForm(forms.Form):
    """A message to every confirmed delegate of an event."""

    subject = forms.CharField(
        label="Subject",
        max_length=150,
        error_messages={
            "required": "Enter a subject",
            "max_length": "Subject must be 150 characters or fewer",
        },
    )
    message = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Plain text. Leave a blank line between paragraphs. "
        "Each delegate gets their own copy, addressed to them by first name.",
        error_messages={
            "required": "Enter a message",
            "max_length": "Message must be 5,000 characters or fewer",
        },
    )


class WaitingListMoveForm(forms.Form):
    """Move someone in the waiting list: one step up or down, or to a numbered place."""

    direction = forms.ChoiceField(required=False, choices=[("up", "Up"), ("down", "Down")])
    position = forms.IntegerField(
        label="New position",
        required=False,
        min_value=1,
        max_value=100000,
        error_messages={
            "invalid": "Position must be a whole number, like 3",
            "min_value": "Position must be 1 or more",
            "max_value": "Position must be 100,000 or less",
        },
    )

    def clean(self):
        data = super().clean()
        if not data.get("direction") and data.get("position") is None and not self.errors:
            raise forms.ValidationError("Enter a position, like 3")
        return data
