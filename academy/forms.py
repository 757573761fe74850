"""Forms for the academy's applicant and delegate pages: the shape of the input only.

Whether someone may apply, enrol or withdraw is for academy.services to
decide. Paying for a place uses payments.forms.PaymentForm, as bookings do.
"""

from django import forms

from academy.models import Application
from academy.services.applications import ApplicationDetails

MOTIVATION_MAX_WORDS = 500
# A backstop against pasted essays with no spaces; the word limit is the real one.
MOTIVATION_MAX_CHARACTERS = 5000


def word_count(text: str) -> int:
    """Count words as the GOV.UK character count component does: runs of non-space."""
    return len(text.split())


class ApplicationForm(forms.Form):
    """An application for a place on a cohort.

    The email address is not asked for: it is the applicant's account address,
    so that every email about the application reaches a confirmed address.
    """

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="As you would like it to appear on your certificate.",
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    role = forms.CharField(
        label="Job title",
        max_length=200,
        error_messages={"required": "Enter your job title"},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    organisation = forms.CharField(
        label="Organisation",
        max_length=200,
        help_text="The council, NHS body, department or company you work for.",
        error_messages={"required": "Enter the name of your organisation"},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    time_in_role = forms.ChoiceField(
        label="How long have you been in this role?",
        choices=Application.TimeInRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how long you have been in this role"},
    )
    sponsor_name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sponsor_email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    motivation = forms.CharField(
        label="Why do you want to take part?",
        max_length=MOTIVATION_MAX_CHARACTERS,
        help_text=(
            "Tell us what you hope to learn, what you will bring to the group and how your "
            "organisation will benefit."
        ),
        error_messages={
            "required": "Tell us why you want to take part",
            "max_length": (
                f"Why you want to take part must be {MOTIVATION_MAX_CHARACTERS:,} "
                "characters or fewer"
            ),
        },
        widget=forms.Textarea(attrs={"rows": 10, "class": "govuk-js-character-count"}),
    )
    access_needs = forms.CharField(
        label="Access needs",
        required=False,
        max_length=1000,
        help_text=(
            "Anything we should arrange so that you can take part fully, for example "
            "step-free access, a hearing loop or materials in another format."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label="I agree to the academy using my application as described above",
        error_messages={"required": "Confirm that you agree to how we use your application"},
    )

    # Where a refusal from application_submit belongs on this form, by its code.
    ERROR_FIELDS = {"consent": "consent", "self_sponsor": "sponsor_email"}

    def __init__(self, *args, requires_sponsor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.requires_sponsor = requires_sponsor
        person = "sponsor" if requires_sponsor else "line manager"
        self.fields["sponsor_name"].label = f"{person.capitalize()}’s full name"
        self.fields["sponsor_email"].label = f"{person.capitalize()}’s email address"
        self.fields["sponsor_name"].error_messages["required"] = f"Enter your {person}’s full name"
        self.fields["sponsor_email"].error_messages.update(
            {
                "required": f"Enter your {person}’s email address",
                "invalid": "Enter an email address in the correct format, like "
                "name@example.gov.uk",
            }
        )

    def clean_motivation(self):
        motivation = self.cleaned_data["motivation"].strip()
        words = word_count(motivation)
        if words > MOTIVATION_MAX_WORDS:
            raise forms.ValidationError(
                f"Why you want to take part must be {MOTIVATION_MAX_WORDS} words or fewer "
                f"(you have {words})"
            )
        return motivation

    def motivation_textarea(self):
        """The textarea, described by the character count's message as the component expects."""
        field = self["motivation"]
        described_by = [f"{field.auto_id}-info", f"{field.auto_id}_helptext"]
        if field.errors:
            described_by.append(f"{field.auto_id}_error")
        return field.as_widget(attrs={"aria-describedby": " ".join(described_by)})

    def details(self, *, email: str) -> ApplicationDetails:
        """Return the answers for application_submit; call only once the form is valid."""
        data = self.cleaned_data
        return ApplicationDetails(
            full_name=data["full_name"],
            email=email,
            role=data["role"],
            organisation=data["organisation"],
            time_in_role=data["time_in_role"],
            sponsor_name=data["sponsor_name"],
            sponsor_email=data["sponsor_email"],
            motivation=data["motivation"],
            access_needs=data["access_needs"],
            consent=data["consent"],
        )

    def add_refusal(self, error) -> None:
        """Show a refusal from the service against the field it concerns, or the whole form."""
        name = self.ERROR_FIELDS.get(error.code)
        if name == "sponsor_email" and not self.requires_sponsor:
            message = "Your line manager must be someone other than you."
        else:
            message = error.message
        self.add_error(name, message)


class ConfirmForm(forms.Form):
    """No fields: the page's button is the answer. It carries refusals to the error summary."""
