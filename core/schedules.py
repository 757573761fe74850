"""Recurring background work, declared by each app and kept in django-q2's table.

Apps list `schedules = [(name, "module.func", minutes), ...]` on their
AppConfig; after every migrate the Schedule rows are created or updated, so
a fresh database and a running system agree.
"""

from django.apps import apps


def schedules_sync(**kwargs) -> None:
    from django_q.models import Schedule

    for config in apps.get_app_configs():
        for name, func, minutes in getattr(config, "schedules", ()):
            Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": func,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": minutes,
                    "repeats": -1,
                },
            )
