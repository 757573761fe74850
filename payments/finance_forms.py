"""Forms for the finance desk: validation of input shape only."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from payments.models import Payment
from payments.selectors import OUTSTANDING, DocumentFilters, InvoiceStatus

STATUS_CHOICES = [
    ("", "Any status"),
    (InvoiceStatus.PAID, "Paid"),
    (OUTSTANDING, "Not paid yet (unpaid, part paid or overdue)"),
    (InvoiceStatus.UNPAID, "Unpaid, not yet due"),
    (InvoiceStatus.PART_PAID, "Part paid, not yet due"),
    (InvoiceStatus.OVERDUE, "Overdue"),
    (InvoiceStatus.CREDITED, "Credited in full"),
]

AMOUNT_ERRORS = {
    "required": "Enter the amount",
    "invalid": "Amount must be a number of pounds and pence, like 240.00",
    "max_decimal_places": "Amount must have no more than 2 decimal places, like 240.50",
    "max_digits": "Amount must be less than £100,000,000",
    "max_whole_digits": "Amount must be less than £100,000,000",
    "min_value": "Amount must be more than £0.00",
}


class _FilterForm(forms.Form):
    """A GET filter form: values that do not parse are dropped and reported, never fatal."""

    def parsed(self) -> tuple[dict, list[str]]:
        """Return the values that parsed, and a sentence for each one that did not."""
        if not self.is_bound:
            return {}, []
        self.is_valid()
        ignored = [
            f"{self.fields[name].label}: {'; '.join(errors)}"
            for name, errors in self.errors.items()
            if name in self.fields
        ]
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        return data, ignored


class DocumentFilterForm(_FilterForm):
    """The filters on the invoice list, its totals, the CSV and the ZIP."""

    issued_from = forms.DateField(
        label="Issued from",
        required=False,
        widget=forms.DateInput,
        error_messages={"invalid": "Enter a real date, like 2026-03-01"},
    )
    issued_to = forms.DateField(
        label="Issued to",
        required=False,
        widget=forms.DateInput,
        error_messages={"invalid": "Enter a real date, like 2026-03-31"},
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    event = forms.CharField(
        label="Event or description",
        required=False,
        max_length=200,
        help_text="Part of an event’s name, or of any other line on the invoice",
    )
    organisation = forms.CharField(
        label="Organisation", required=False, max_length=200, help_text="Part of the name"
    )
    q = forms.CharField(
        label="Number or reference",
        required=False,
        max_length=64,
        help_text="Invoice or credit note number, booking reference or purchase order",
    )

    def filters(self) -> tuple[DocumentFilters, list[str]]:
        data, ignored = self.parsed()
        issued_from, issued_to = data.get("issued_from"), data.get("issued_to")
        if issued_from and issued_to and issued_from > issued_to:
            issued_from, issued_to = issued_to, issued_from
        return (
            DocumentFilters(
                issued_from=issued_from,
                issued_to=issued_to,
                status=data.get("status") or "",
                event=(data.get("event") or "").strip(),
                organisation=(data.get("organisation") or "").strip(),
                search=(data.get("q") or "").strip(),
            ),
            ignored,
        )


class PaymentFilterForm(_FilterForm):
    received_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput,
        error_messages={"invalid": "Enter a real date, like 2026-03-01"},
    )
    received_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput,
        error_messages={"invalid": "Enter a real date, like 2026-03-31"},
    )
    method = forms.ChoiceField(
        label="Method",
        required=False,
        choices=[("", "Any method"), *Payment.Method.choices],
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *Payment.State.choices]
    )

    def filters(self) -> tuple[dict, list[str]]:
        data, ignored = self.parsed()
        received_from, received_to = data.get("received_from"), data.get("received_to")
        if received_from and received_to and received_from > received_to:
            received_from, received_to = received_to, received_from
        return (
            {
                "received_from": received_from,
                "received_to": received_to,
                "method": data.get("method") or "",
                "state": data.get("state") or "",
            },
            ignored,
        )


class MarkPaidForm(forms.Form):
    """A bank transfer received against an invoice."""

    amount = forms.DecimalField(
        label="Amount received, in pounds",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="For example, 240.00. A part payment is recorded and the rest stays owed.",
        error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    received_on = forms.DateField(
        label="Date the money arrived",
        widget=forms.DateInput,
        error_messages={
            "required": "Enter the date the money arrived",
            "invalid": "Enter a real date, like 2026-03-14",
        },
    )
    reference = forms.CharField(
        label="Bank reference",
        max_length=100,
        help_text="As it appears on the bank statement",
        error_messages={
            "required": "Enter the bank reference",
            "max_length": "Bank reference must be 100 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "paid")
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs["class"] = "govuk-input--width-10"
        self.fields["reference"].widget.attrs["class"] = "govuk-input--width-20"

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError("The date the money arrived must be today or in the past")
        return received_on


class RefundForm(forms.Form):
    """An amount to refund to the card that paid, and why."""

    amount = forms.DecimalField(
        label="Amount to refund, in pounds",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="It is printed on the credit note the customer gets",
        error_messages={
            "required": "Enter the reason for the refund",
            "max_length": "Reason must be 300 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, refundable: Decimal | None = None, **kwargs):
        kwargs.setdefault("prefix", "refund")
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs["class"] = "govuk-input--width-10"
        if refundable is not None:
            self.fields["amount"].help_text = f"Up to £{refundable:,.2f}"
