"""Run the whole service on one machine: `python manage.py rundemo`.

Migrates, seeds the demo data the first time, then runs the web server and
the django-q2 cluster side by side until Ctrl-C stops both. Apps may add
processes of their own (a Stripe test server, say) by naming a function in
their AppConfig as `demo_processes`, returning a list of (label, argv, env)
to start before the web server, and environment variables for every process
by naming one as `demo_environment`, returning a dict.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from core.management.commands.seed_demo import DEMO_PASSWORD, demo_description


class Command(BaseCommand):
    help = "Run the web server and background worker together with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--password", default=None)

    def handle(self, *args, addr, password, **options):
        if not settings.DEBUG:
            raise CommandError("rundemo is for a local demo: set DEBUG=true.")
        password = password or DEMO_PASSWORD
        call_command("migrate", interactive=False, verbosity=1)
        call_command("createcachetable")
        marker = Path(settings.BASE_DIR) / "var" / "demo-seeded"
        if not marker.exists():
            call_command("seed_demo", password=password)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text("seed_demo has run on this database.\n")
        else:
            self.stdout.write("Demo data already seeded (delete var/demo-seeded to seed again).")

        # A terminal's Ctrl-C reaches every process; a service manager's TERM
        # reaches only this one, so treat it the same way and stop the children.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        env = dict(os.environ)
        processes: list[tuple[str, subprocess.Popen]] = []
        extra = []
        for config in apps.get_app_configs():
            path = getattr(config, "demo_processes", None)
            if path:
                extra.extend(import_string(path)())
            # Settings every process needs, such as where the Stripe test server is.
            path = getattr(config, "demo_environment", None)
            if path:
                env.update(import_string(path)())
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        plan = [
            *extra,
            ("worker", [*manage, "qcluster"], {}),
            ("web", [*manage, "runserver", addr], {}),
        ]
        try:
            for label, argv, extra_env in plan:
                self.stdout.write(f"Starting {label}: {' '.join(argv[-2:])}")
                # Each in its own process group, so that stopping one also stops
                # the worker processes it started.
                processes.append(
                    (
                        label,
                        subprocess.Popen(argv, env={**env, **extra_env}, start_new_session=True),
                    )
                )
            self.stdout.write(demo_description(password=password))
            self.stdout.write(
                self.style.SUCCESS(f"\nOpen http://{addr}/  (Ctrl-C stops everything)\n")
            )
            while all(p.poll() is None for _, p in processes):
                time.sleep(0.5)
            stopped = [label for label, p in processes if p.poll() is not None]
            raise CommandError(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping...")
        finally:
            for _, process in reversed(processes):
                _signal_group(process, signal.SIGTERM)
            deadline = time.monotonic() + 30
            for _, process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
