"""One test runs a real django-q2 cluster, as production does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_q.conf import Conf
from django_q.tasks import async_task, result

from events.models import WaitingListEntry
from events.services.waiting_list import waiting_list_join
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_offers_a_freed_place(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    event = EventFactory(capacity=1)
    place = RegistrationFactory(ticket_type=TicketTypeFactory(event=event))
    entry = waiting_list_join(event=event, email="first@example.org")
    place.state = "cancelled"
    place.save()

    task_id = async_task("events.tasks.offer_freed_places", event.pk)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(), "Q_WORKERS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # result() polls the task table until the worker has stored the outcome.
        offered = result(task_id, wait=60_000)
    finally:
        cluster.terminate()
        output = cluster.communicate(timeout=30)[0].decode(errors="replace")

    assert offered == 1, output[-3000:]
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED
