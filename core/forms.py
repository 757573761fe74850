"""Render Django forms as GOV.UK Frontend markup.

`{{ form }}` renders templates/forms/govuk/form.html (error summary, then every
field) and `{{ form.field.as_field_group }}` renders
templates/forms/govuk/field.html. The widgets themselves stay Django's own
templates, so attributes a form sets on them (autocomplete, inputmode,
spellcheck) survive; GovukBoundField only adds the GOV.UK classes and fixes a
few input types.
"""

import copy

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.forms.widgets import Input
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

# Widget class -> the GOV.UK class its element takes. Looked up along the MRO,
# so subclasses (allauth's PasswordInput, EmailInput) match too.
_WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.SelectMultiple: "govuk-select",
    forms.Select: "govuk-select",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.PasswordInput: ("govuk-input govuk-password-input__input govuk-js-password-input-input"),
    Input: "govuk-input",
}
_ERROR_CLASSES = {
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}

# Date and time widgets Django renders as type="text": give them the
# browser's own pickers, with the ISO value format those inputs require.
_NATIVE_TYPES = {
    forms.DateInput: ("date", "%Y-%m-%d"),
    forms.DateTimeInput: ("datetime-local", "%Y-%m-%dT%H:%M"),
    forms.TimeInput: ("time", "%H:%M"),
}


def _govuk_class(widget):
    for klass in type(widget).__mro__:
        if klass in _WIDGET_CLASSES:
            return _WIDGET_CLASSES[klass]
    return ""


def _is_admin_widget(widget):
    # The admin brings its own widgets, styles and date pickers: leave them be.
    return type(widget).__module__.startswith("django.contrib.admin")


class GovukBoundField(BoundField):
    """A bound field whose widget carries GOV.UK Frontend classes.

    Django 5.2 already adds `required`, `aria-invalid` and an
    `aria-describedby` naming `<id>_helptext` and `<id>_error`; the field
    template gives the hint and the error message those ids.
    """

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        widget = widget or self.field.widget
        native = _NATIVE_TYPES.get(type(widget))
        if native and widget.input_type == "text" and not widget.format:
            widget = copy.copy(widget)
            widget.input_type, widget.format = native
        return super().as_widget(widget, attrs, only_initial)

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if widget.is_hidden or _is_admin_widget(widget):
            return attrs
        govuk_class = _govuk_class(widget)
        if govuk_class:
            classes = [govuk_class]
            if isinstance(widget, (forms.NumberInput, forms.DateInput, forms.TimeInput)):
                classes.append("govuk-input--width-10")
            if self.errors and govuk_class.startswith("govuk-input"):
                classes.append("govuk-input--error")
            elif self.errors and govuk_class in _ERROR_CLASSES:
                classes.append(_ERROR_CLASSES[govuk_class])
            existing = attrs.get("class") or widget.attrs.get("class")
            if existing:
                classes.append(existing)
            attrs["class"] = " ".join(classes)
        # GOV.UK asks for no placeholder text: it vanishes as people type and
        # is often too faint to read. The label and hint say it instead.
        if "placeholder" in widget.attrs or "placeholder" in attrs:
            attrs["placeholder"] = False
        if getattr(widget, "input_type", None) == "email":
            attrs.setdefault("spellcheck", "false")
            attrs.setdefault("autocomplete", widget.attrs.get("autocomplete", "email"))
        if isinstance(widget, forms.PasswordInput):
            attrs.setdefault("spellcheck", "false")
            attrs.setdefault("autocapitalize", "none")
        return attrs

    @property
    def govuk_kind(self):
        """Name the GOV.UK pattern field.html renders this field with."""
        widget = self.field.widget
        # CheckboxSelectMultiple subclasses RadioSelect: test it first.
        if isinstance(widget, forms.CheckboxSelectMultiple):
            return "checkboxes"
        if isinstance(widget, forms.RadioSelect):
            return "radios"
        if isinstance(widget, forms.CheckboxInput):
            return "checkbox"
        if isinstance(widget, forms.PasswordInput):
            return "password"
        if getattr(widget, "use_fieldset", False):
            return "fieldset"
        return "input"

    @property
    def govuk_anchor(self):
        """Return the id the error summary links to: the first control's."""
        if self.field.widget.use_fieldset and self.auto_id:
            subwidgets = self.subwidgets
            if subwidgets:
                return subwidgets[0].id_for_label or self.auto_id
        return self.id_for_label or self.auto_id


class GovukFormRenderer(TemplatesSetting):
    """Render forms and fields with the project's GOV.UK templates.

    Templates are looked up through settings.TEMPLATES first. Django's own
    widget templates are found there only when "django.forms" is in
    INSTALLED_APPS, so fall back to Django's bundled templates otherwise.
    """

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"
    bound_field_class = GovukBoundField

    @cached_property
    def _builtin(self):
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._builtin.get_template(template_name)
