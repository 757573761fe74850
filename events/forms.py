import datetime

from django import forms
from django.utils import timezone

from events.models import Event


def _month_choices(today: datetime.date, selected: datetime.date | None):
    months = []
    first = today.replace(day=1)
    for _ in range(12):
        months.append(first)
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    if selected and selected not in months:
        months.append(selected)
    return [("", "Any month")] + [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in months]


class EventFilterForm(forms.Form):
    """The filters on the events list. Values that do not parse are dropped, not fatal."""

    q = forms.CharField(label="Search events", required=False, max_length=100)
    month = forms.CharField(label="Month", required=False)
    format = forms.MultipleChoiceField(
        label="Format",
        choices=Event.Format.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    price = forms.ChoiceField(
        label="Price",
        choices=[("", "Free and paid"), ("free", "Free"), ("paid", "Paid")],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        selected = None
        raw = self.data.get("month") if self.is_bound else None
        if raw:
            try:
                selected = datetime.datetime.strptime(raw, "%Y-%m").date()
            except ValueError:
                selected = None
        self.fields["month"].widget = forms.Select(
            choices=_month_choices(timezone.localdate(), selected)
        )

    def clean_month(self):
        raw = self.cleaned_data["month"]
        if not raw:
            return None
        try:
            month = datetime.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError("Month must look like 2026-06") from None
        if not 2000 <= month.year <= 2100:
            raise forms.ValidationError("Month must look like 2026-06")
        return month

    def filters(self) -> tuple[dict, list[str]]:
        """Return the filters that parsed, and a sentence for each one that did not."""
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
        return (
            {
                "month": data.get("month"),
                "formats": data.get("format") or None,
                "price": data.get("price") or None,
                "search": (data.get("q") or "").strip(),
            },
            ignored,
        )
