"""The question pages of the booking flow and the waiting list: input shape only.

Whether places, codes and offers can be had is for events.services.booking to
decide; these forms only check that answers are complete and well formed.
"""

from django import forms
from django.utils.html import escape

from core.money import format_gbp
from events.services.booking import MAX_PLACES_PER_BOOKING
from payments.forms import PaymentForm

__all__ = ["PaymentForm"]

NAME_TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "cllr"}


def split_full_name(full_name: str) -> tuple[str, str]:
    """Split a full name into first and last names for a form the person can still edit.

    The first word is the first name and the rest the last name, so that
    surnames such as "van der Berg" stay whole; a leading title is dropped.
    """
    words = full_name.split()
    if len(words) > 2 and words[0].lower().rstrip(".") in NAME_TITLES:
        words = words[1:]
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


class QuantitiesForm(forms.Form):
    """How many places of each ticket type on sale, and an optional discount code."""

    # Every number may be 0: don't have screen readers announce each one as required.
    use_required_attribute = False

    discount_code = forms.CharField(
        label="Discount code",
        max_length=32,
        required=False,
        help_text="If you have one.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def __init__(self, *args, ticket_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_types = list(ticket_types)
        if self.is_bound:
            # A number left blank means none of that ticket, not a missing answer.
            self.data = self.data.copy()
            for ticket_type in self.ticket_types:
                name = self.add_prefix(self.field_name(ticket_type))
                if not str(self.data.get(name, "")).strip():
                    self.data[name] = "0"
        fields = {}
        for ticket_type in self.ticket_types:
            most = ticket_type.max_per_booking
            fields[self.field_name(ticket_type)] = forms.IntegerField(
                label=ticket_type.name,
                help_text=_ticket_hint(ticket_type),
                min_value=0,
                max_value=most,
                initial=0,
                error_messages={
                    "invalid": f"Enter the number of “{ticket_type.name}” places as a number",
                    "min_value": f"The number of “{ticket_type.name}” places cannot be negative",
                    "max_value": (
                        f"You can book up to {most} “{ticket_type.name}” "
                        f"place{'s' if most != 1 else ''} at a time"
                    ),
                },
                # GOV.UK advises against type="number": it mangles input and misleads
                # some screen readers; inputmode still brings up a number keypad.
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "numeric",
                        "spellcheck": "false",
                        "autocomplete": "off",
                        "class": "govuk-input--width-3",
                    }
                ),
            )
        # Ticket quantities first, then the code.
        fields["discount_code"] = self.fields.pop("discount_code")
        self.fields = fields

    @staticmethod
    def field_name(ticket_type) -> str:
        return f"places_{ticket_type.pk}"

    def quantity_fields(self):
        return [(t, self[self.field_name(t)]) for t in self.ticket_types]

    def clean_discount_code(self):
        return self.cleaned_data["discount_code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if any(self.field_name(t) in self.errors for t in self.ticket_types):
            return cleaned
        total = sum(cleaned[self.field_name(t)] for t in self.ticket_types)
        if self.ticket_types and total == 0:
            self.add_error(self.field_name(self.ticket_types[0]), "Choose at least one place")
        elif total > MAX_PLACES_PER_BOOKING:
            self.add_error(
                self.field_name(self.ticket_types[0]),
                f"One booking can hold up to {MAX_PLACES_PER_BOOKING} places. "
                "Make more than one booking for a larger group",
            )
        return cleaned

    def quantities(self) -> dict[str, int]:
        """Return places wanted by ticket type id (as text, to keep in the session)."""
        return {
            str(t.pk): self.cleaned_data[self.field_name(t)]
            for t in self.ticket_types
            if self.cleaned_data.get(self.field_name(t))
        }


def _ticket_hint(ticket_type) -> str:
    each = ticket_type.price
    cost = (
        "Free"
        if each.is_free
        else f"{format_gbp(each.net)} each plus VAT ({format_gbp(each.gross)} including VAT)"
    )
    lines = [ticket_type.description, f"{cost}. Up to {ticket_type.max_per_booking} per booking."]
    # Field templates print help text as HTML; the description is staff's plain text.
    return "<br>".join(escape(line) for line in lines if line)


DELEGATE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "job_title",
    "organisation",
    "dietary",
    "access_needs",
    "attendee_list_consent",
)


class DelegateForm(forms.Form):
    """One place's delegate. Place 1 also asks whether the place is the booker's own."""

    for_me = forms.BooleanField(
        label="This place is for me",
        required=False,
        help_text="We’ll use the details from your account. You can change them here.",
    )
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We’ll send the ticket and joining details here.",
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    dietary = forms.CharField(
        label="Dietary requirements",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    access_needs = forms.CharField(
        label="Access needs",
        max_length=500,
        required=False,
        help_text="Anything that would help them take part, such as step-free access, "
        "a hearing loop or a quiet room.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attendee_list_consent = forms.BooleanField(
        label="Show their name, job title and organisation on the attendee list",
        required=False,
        help_text="Other delegates see the list. Leave unticked to keep them off it.",
    )

    def __init__(self, *args, number: int, ticket_name: str, booker=None, **kwargs):
        kwargs.setdefault("prefix", f"place-{number}")
        super().__init__(*args, **kwargs)
        self.number, self.ticket_name = number, ticket_name
        self.booker_details = _booker_details(booker) if booker is not None else {}
        if number != 1 or booker is None:
            del self.fields["for_me"]
        elif self.is_bound and self.fields["for_me"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("for_me")
        ):
            self.data = self._with_booker_details(self.data)
        # Errors name the place: the page repeats the same questions for each.
        place = f"place {number}"
        self.fields["first_name"].error_messages["required"] = f"Enter a first name for {place}"
        self.fields["last_name"].error_messages["required"] = f"Enter a last name for {place}"
        self.fields["email"].error_messages.update(
            required=f"Enter an email address for {place}",
            invalid=f"Enter an email address for {place} in the correct format, "
            "like name@example.gov.uk",
        )
        for name in ("first_name", "last_name", "job_title", "organisation"):
            self.fields[name].widget.attrs["spellcheck"] = "false"
        for name in ("first_name", "last_name", "email", "job_title", "organisation"):
            length = self.fields[name].max_length
            self.fields[name].error_messages["max_length"] = (
                f"{self.fields[name].label} for {place} must be {length} characters or fewer"
            )
        for name in ("dietary", "access_needs"):
            self.fields[name].error_messages["max_length"] = (
                f"{self.fields[name].label} for {place} must be 500 characters or fewer"
            )
        if number != 1:
            # The browser would offer the booker's own details for a colleague.
            for name in ("first_name", "last_name", "email", "job_title", "organisation"):
                self.fields[name].widget.attrs["autocomplete"] = "off"

    def _with_booker_details(self, data):
        """Fill the answers left blank with the booker's own, as "This place is for me" says."""
        data = data.copy()
        for name, value in self.booker_details.items():
            if not str(data.get(self.add_prefix(name), "")).strip():
                data[self.add_prefix(name)] = value
        return data

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def delegate(self) -> dict:
        """Return the answers as plain data to keep in the session."""
        data = {name: self.cleaned_data[name] for name in DELEGATE_FIELDS}
        for name in DELEGATE_FIELDS[:-1]:
            data[name] = data[name].strip()
        data["for_me"] = bool(self.cleaned_data.get("for_me"))
        return data


def _booker_details(booker) -> dict:
    first, last = split_full_name(booker.full_name)
    organisation = booker.organisation.name if booker.organisation_id else ""
    return {
        "first_name": first,
        "last_name": last,
        "email": booker.email,
        "job_title": booker.job_title,
        "organisation": organisation,
    }


class DelegateForms:
    """The delegate forms of every place in a booking, validated together."""

    def __init__(self, data=None, *, places, booker, initial=()):
        initial = list(initial)
        self.forms = [
            DelegateForm(
                data,
                number=number,
                ticket_name=ticket_type.name,
                booker=booker if number == 1 else None,
                initial=initial[number - 1] if number <= len(initial) else None,
            )
            for number, ticket_type in enumerate(places, start=1)
        ]

    def __iter__(self):
        return iter(self.forms)

    def is_valid(self) -> bool:
        # Validate every form, not just up to the first invalid one.
        valid = all([form.is_valid() for form in self.forms])  # noqa: C419
        seen = {}
        for form in self.forms:
            email = form.cleaned_data.get("email")
            if not email:
                continue
            if email in seen:
                form.add_error(
                    "email",
                    f"Place {form.number} has the same email address as place {seen[email]}. "
                    "Each delegate needs their own email address",
                )
                valid = False
            else:
                seen[email] = form.number
        return valid

    @property
    def errors(self) -> list[tuple[str, str]]:
        """Return (anchor, message) for the error summary, in page order."""
        return [
            (form[name if name in form.fields else "first_name"].govuk_anchor, error)
            for form in self.forms
            for name, errors in form.errors.items()
            for error in errors
        ]

    def delegates(self) -> list[dict]:
        return [form.delegate() for form in self.forms]


class WaitingListForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": "Enter your full name"},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We’ll email you here if a place comes up.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
