"""Forms payments lends to the apps that sell places: how a booking or enrolment is paid."""

import re

from django import forms
from django.conf import settings

# Light checks: enough to catch a typo, not to reject an unusual real value.
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
VAT_NUMBER = re.compile(r"^([A-Z]{2})?[0-9A-Z]{8,12}$")


def card_payments_offered() -> bool:
    """Offer card payment only where a Stripe account or test server is configured."""
    return bool(settings.STRIPE_SECRET_KEY or settings.STRIPE_API_BASE)


class PaymentForm(forms.Form):
    """How a paid booking is paid: by invoice to an organisation, or by card."""

    INVOICE, CARD = "invoice", "card"

    payment_method = forms.ChoiceField(
        label="How do you want to pay?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you want to pay"},
    )
    purchase_order = forms.CharField(
        label="Purchase order number",
        max_length=64,
        required=False,
        help_text="Many councils and NHS bodies need this on the invoice before they pay it.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    billing_organisation = forms.CharField(
        label="Organisation to invoice",
        max_length=200,
        error_messages={"required": "Enter the name of the organisation to invoice"},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    billing_address = forms.CharField(
        label="Invoice address",
        max_length=500,
        error_messages={"required": "Enter the address to send the invoice to"},
        help_text="Without the postcode. Add the finance team or accounts payable if they "
        "need it.",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
    )
    billing_postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        error_messages={"required": "Enter the postcode of the invoice address"},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "class": "govuk-input--width-10"}
        ),
    )
    vat_number = forms.CharField(
        label="Your organisation’s VAT number",
        max_length=32,
        required=False,
        help_text="If it has one, for example GB123456789.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-20"}),
    )

    INVOICE_FIELDS = (
        "purchase_order",
        "billing_organisation",
        "billing_address",
        "billing_postcode",
        "vat_number",
    )

    def __init__(self, *args, card_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(self.INVOICE, "Pay by invoice (for organisations)")]
        if card_allowed:
            choices.append((self.CARD, "Pay by card"))
        self.fields["payment_method"].choices = choices
        self.only_invoice = not card_allowed
        if self.only_invoice:
            # Nothing to choose: the page just asks for the invoice details.
            self.fields["payment_method"].required = False
            self.fields["payment_method"].widget = forms.HiddenInput()

    @property
    def by_invoice(self) -> bool:
        return (
            self.only_invoice or self.data.get(self.add_prefix("payment_method")) == self.INVOICE
        )

    def full_clean(self):
        super().full_clean()
        if self.is_bound and not self.by_invoice:
            # Only those paying by invoice answer the invoice questions (revealed by choosing it).
            for name in self.INVOICE_FIELDS:
                self._errors.pop(name, None)
                self.cleaned_data[name] = ""

    def clean_payment_method(self):
        return self.INVOICE if self.only_invoice else self.cleaned_data["payment_method"]

    def clean_billing_postcode(self):
        postcode = " ".join(self.cleaned_data["billing_postcode"].upper().split())
        if postcode and not UK_POSTCODE.match(postcode):
            raise forms.ValidationError("Enter a real postcode, like SW1A 2AA")
        if postcode and " " not in postcode:
            postcode = f"{postcode[:-3]} {postcode[-3:]}"
        return postcode

    def clean_vat_number(self):
        vat_number = "".join(self.cleaned_data["vat_number"].upper().split())
        if vat_number and not VAT_NUMBER.match(vat_number):
            raise forms.ValidationError(
                "Enter a VAT number in the correct format, like GB123456789"
            )
        return vat_number

    def payment(self) -> dict:
        """Return the answers as plain data; card payments keep no billing details."""
        method = self.cleaned_data["payment_method"]
        answers = {"method": method}
        for name in self.INVOICE_FIELDS:
            answers[name] = self.cleaned_data[name] if method == self.INVOICE else ""
        return answers
