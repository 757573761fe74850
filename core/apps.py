from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core.schedules import schedules_sync

        post_migrate.connect(schedules_sync, dispatch_uid="core.schedules_sync")
