"""Build a believable demo world: `python manage.py seed_demo [--scale N]`.

Each app that has demo data names a seeder in its AppConfig
(`demo_seeder = "app.demo.seed"`) and may name a describer that
tells a demo user what they can do (`demo_describer`); they run in INSTALLED_APPS order, which
follows the import chain, so events find the organisations and people that
accounts made. Every seeder is idempotent.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

DEMO_PASSWORD = "digital-leaders-demo"


class Command(BaseCommand):
    help = "Create or top up demo data. Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help=f"Password for the demo accounts (default: {DEMO_PASSWORD}).",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Create N times as much of everything, for benchmarks.",
        )

    def handle(self, *args, password, scale, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes accounts with a known password, so it only runs with "
                "DEBUG on. Set DEBUG=true for a demo or benchmark database."
            )
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        password = password or DEMO_PASSWORD
        for config in apps.get_app_configs():
            seeder_path = getattr(config, "demo_seeder", None)
            if not seeder_path:
                continue
            seeder = import_string(seeder_path)
            with transaction.atomic():
                summary = seeder(password=password, scale=scale)
            self.stdout.write(f"{config.verbose_name}: {summary}")

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(demo_description(password=password))


def demo_description(*, password: str) -> str:
    """Collect what each app wants a demo user to know (accounts, links)."""
    parts = []
    for config in apps.get_app_configs():
        describer_path = getattr(config, "demo_describer", None)
        if describer_path:
            parts.append(import_string(describer_path)(password=password))
    return "\n".join(parts)
