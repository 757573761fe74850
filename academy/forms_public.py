"""Forms on the academy's public pages: the sponsor's answer and certificate verification.

The shape of the input only; the rules are the services'.
"""

import re

from django import forms

SUPPORT_CHOICES = [
    ("yes", "Yes, I support this application"),
    ("no", "No, I do not support it"),
]

# Letters, digits, hyphens and spaces: what a code looks like, typed or pasted.
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9\- ]+$")


class SponsorDecisionForm(forms.Form):
    supported = forms.ChoiceField(
        label="Do you support this application?",
        choices=SUPPORT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you support this application"},
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=2000,
        help_text=(
            "For example, how the programme fits the applicant’s work, or why you cannot "
            "support it now. The applicant and the programme team can read it."
        ),
        error_messages={"max_length": "Comment must be 2,000 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def is_supported(self) -> bool:
        """Return the sponsor's answer; call only once the form is valid."""
        return self.cleaned_data["supported"] == "yes"


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Certificate code",
        max_length=40,
        help_text="It is printed on the certificate, for example ABCD-EFGH-JK23.",
        error_messages={
            "required": "Enter the certificate code",
            "max_length": "Certificate code must be 40 characters or fewer",
        },
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-20",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )

    def clean_code(self) -> str:
        code = " ".join(self.cleaned_data["code"].split())
        if not _CODE_SHAPE.match(code):
            raise forms.ValidationError(
                "Certificate code must only include letters, numbers and hyphens"
            )
        return code.upper()
