from django import forms

from accounts.models import Organisation
from accounts.services import user_signup_complete


class SignupProfileForm(forms.Form):
    """The profile questions asked at sign-up, beside allauth's email and password."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": "Enter your full name"},
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    field_order = ["full_name", "job_title", "email", "password1", "password2"]

    def signup(self, request, user):
        user_signup_complete(
            user=user,
            full_name=self.cleaned_data["full_name"],
            job_title=self.cleaned_data.get("job_title", ""),
        )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": "Enter your full name"},
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="Not listed or none",
        help_text="The council, NHS body, department or company you work for.",
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        allowed = set("0123456789 +()-")
        if phone and (not set(phone) <= allowed or sum(c.isdigit() for c in phone) < 7):
            raise forms.ValidationError(
                "Enter a phone number, like 01632 960 001 or +44 808 157 0192"
            )
        return phone
