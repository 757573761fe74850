"""Forms for the "My bookings" pages: the shape of the input only; the rules are the services'."""

from django import forms

from events.services.booking import DelegateDetails


class CancelPlaceForm(forms.Form):
    """No fields: the page's button is the answer. It carries domain errors to the summary."""


class TransferPlaceForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter your colleague’s first name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter your colleague’s last name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send the new ticket here.",
        error_messages={
            "required": "Enter your colleague’s email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    dietary = forms.CharField(
        label="Dietary requirements",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_needs = forms.CharField(
        label="Access needs",
        required=False,
        max_length=1000,
        help_text="For example, step-free access, a hearing loop or a quiet room.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def delegate(self) -> DelegateDetails:
        """Return the colleague's details; call only once the form is valid."""
        # Consent to appear on the attendee list is the colleague's to give,
        # not the person handing the place over: it starts as no.
        return DelegateDetails(**self.cleaned_data)


class NeedsForm(forms.Form):
    dietary = forms.CharField(
        label="Dietary requirements",
        required=False,
        max_length=1000,
        help_text="For example, vegetarian, halal or a nut allergy. Leave empty if none.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_needs = forms.CharField(
        label="Access needs",
        required=False,
        max_length=1000,
        help_text="For example, step-free access, a hearing loop or a quiet room. "
        "Leave empty if none.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CalendarAddressForm(forms.Form):
    """Which button was pressed on the calendar address page."""

    action = forms.ChoiceField(
        choices=[("create", "Create"), ("reset", "Reset"), ("off", "Turn off")],
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose what to do with your calendar address",
            "invalid_choice": "Choose what to do with your calendar address",
        },
    )
