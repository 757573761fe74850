"""allauth's forms with GOV.UK wording: labels and error messages that say
what to do ("Enter your email address"), not what went wrong.

Kept apart from accounts.forms, which allauth itself imports as the base of
its sign-up form.
"""

from allauth.account import forms as allauth_forms


def _relabel(form, labels: dict[str, str], required: dict[str, str]) -> None:
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label
    for name, message in required.items():
        if name in form.fields:
            form.fields[name].error_messages["required"] = message


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {"login": "Email address", "password": "Password", "remember": "Keep me signed in"},
            {"login": "Enter your email address", "password": "Enter your password"},
        )


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "email": "Email address",
                "password1": "Create a password",
                "password2": "Confirm password",
            },
            {
                "email": "Enter your email address",
                "password1": "Create a password",
                "password2": "Confirm your password",
            },
        )
        if "email" in self.fields:
            self.fields["email"].help_text = (
                "Use your work email address to get member prices if your organisation "
                "is a member."
            )
        if "password1" in self.fields:
            self.fields["password1"].help_text = "At least 10 characters. Avoid common words."


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": "Email address"}, {"email": "Enter your email address"})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {"password1": "New password", "password2": "Confirm new password"},
            {"password1": "Enter a new password", "password2": "Confirm your new password"},
        )


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "oldpassword": "Current password",
                "password1": "New password",
                "password2": "Confirm new password",
            },
            {
                "oldpassword": "Enter your current password",
                "password1": "Enter a new password",
                "password2": "Confirm your new password",
            },
        )


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": "Email address"}, {"email": "Enter an email address"})
