"""Changes to a cohort that its delegates' calendars must hear about."""

from django.db.models import F
from django.utils import timezone

from academy.models import Cohort, Module


def cohort_modules_moved(*, cohort: Cohort) -> int:
    """Raise the SEQUENCE of the modules held at the cohort's venue; return how many.

    Call after the cohort's venue or address changed: calendar clients take
    a changed entry only when its SEQUENCE rose. Modules with a venue of
    their own did not move.
    """
    return Module.objects.filter(cohort=cohort, venue="").update(
        sequence=F("sequence") + 1, updated_at=timezone.now()
    )
