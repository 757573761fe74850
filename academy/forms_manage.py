"""Forms for the programme managers' academy desk: validation of input shape only."""

from django import forms

from academy.models import Application, Attendance, Cohort, Programme
from academy.services.applications import Decision

DECISION_LABELS = {
    Decision.ACCEPT: "Accept: offer a place",
    Decision.WAITING_LIST: "Put on the waiting list",
    Decision.REJECT: "Reject",
}
REASON_REQUIRED = "Give a reason for rejecting the application"


class ApplicationFilterForm(forms.Form):
    """Filters on the applications list. Values that do not parse are dropped, never a 500."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, email address, organisation or job title",
    )
    programme = forms.TypedChoiceField(
        label="Programme", required=False, coerce=int, empty_value=None
    )
    cohort = forms.TypedChoiceField(label="Cohort", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any state"), *Application.State.choices],
    )
    sponsor = forms.ChoiceField(
        label="Sponsor’s decision",
        required=False,
        choices=[("", "Any decision"), *Application.SponsorDecision.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any programme")] + [
            (p.pk, p.title) for p in Programme.objects.order_by("position", "title")
        ]
        self.fields["cohort"].choices = [("", "Any cohort")] + [
            (c.pk, f"{c.programme.title}: {c.name}")
            for c in Cohort.objects.select_related("programme").order_by(
                "programme__position", "programme__title", "-starts_on", "pk"
            )
        ]

    def filters(self) -> tuple[dict, list[str]]:
        """Return the filters that parsed, as selector arguments, and a sentence per bad one."""
        if not self.is_bound:
            return {}, []
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
        filters = {}
        if data.get("programme"):
            filters["programme"] = Programme.objects.get(pk=data["programme"])
        if data.get("cohort"):
            filters["cohort"] = Cohort.objects.get(pk=data["cohort"])
        if data.get("state"):
            filters["state"] = data["state"]
        if data.get("sponsor"):
            filters["sponsor_decision"] = data["sponsor"]
        if (data.get("q") or "").strip():
            filters["search"] = data["q"].strip()
        return filters, ignored


class BulkDecisionForm(forms.Form):
    """One decision for the applications ticked in the list."""

    action = forms.ChoiceField(
        label="Decision",
        choices=[(value, DECISION_LABELS[value]) for value in Decision.CHOICES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what to do with the selected applications",
            "invalid_choice": "Choose what to do with the selected applications",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to reject. Each applicant sees it in their email.",
        error_messages={"max_length": "Reason must be 2,000 characters or fewer"},
    )
    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.all(),
        error_messages={
            "required": "Select at least one application",
            "invalid_choice": "One of the selected applications no longer exists",
            "invalid_pk_value": "Select applications from the list",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == Decision.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for rejecting the applications")
        return data


class DecisionForm(forms.Form):
    """A programme manager's decision on one application."""

    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a decision",
            "invalid_choice": "Choose one of the decisions shown",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed to reject. The applicant sees it in their email.",
        error_messages={"max_length": "Reason must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, decisions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(value, DECISION_LABELS[value]) for value in decisions]

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", REASON_REQUIRED)
        return data


class RegisterForm(forms.Form):
    """A module's register: `mark-<enrolment id>` = present or absent, for the rows marked.

    Which enrolments may be marked is the service's rule (register_save): the
    form only reads the marks' shape.
    """

    PREFIX = "mark-"

    def clean(self):
        data = super().clean()
        marks, bad = {}, False
        for key, value in self.data.items():
            if not key.startswith(self.PREFIX):
                continue
            try:
                enrolment_id = int(key.removeprefix(self.PREFIX))
            except ValueError:
                bad = True
                continue
            if value == "":
                continue
            if value not in Attendance.Status.values:
                bad = True
                continue
            marks[enrolment_id] = value
        if bad:
            raise forms.ValidationError("Mark each delegate present or absent")
        if not marks:
            raise forms.ValidationError("Mark at least one delegate present or absent")
        data["marks"] = marks
        return data


class ScanForm(forms.Form):
    code = forms.CharField(
        label="QR code",
        max_length=200,
        help_text="Scan the delegate’s QR code with a handheld scanner, "
        "or type the code under it and press Enter.",
        error_messages={
            "required": "Scan a QR code or type its code",
            "max_length": "That is not an academy QR code: it is too long",
        },
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Why are you revoking this certificate?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anyone who checks the certificate’s code is told it was revoked "
        "(not this reason).",
        error_messages={
            "required": "Give a reason for revoking the certificate",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )


class CancelEnrolmentForm(forms.Form):
    reason = forms.CharField(
        label="Why is the enrolment being cancelled?",
        # The credit note's reason holds 300 characters.
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This is printed on the credit note, if one is issued.",
        error_messages={
            "required": "Give a reason for cancelling the enrolment",
            "max_length": "Reason must be 300 characters or fewer",
        },
    )
