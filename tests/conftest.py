import pytest
from django.core.cache import cache


def _uses_database(request) -> bool:
    return bool(
        request.node.get_closest_marker("django_db")
        or {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate limits and throttles live in the cache: start every test with none.

    The cache may be a database table, so only tests that use the database
    touch it.
    """
    if not _uses_database(request):
        yield
        return
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_inline(monkeypatch):
    """Run django-q2 tasks in the calling thread unless a test starts a cluster."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored documents (invoice PDFs) go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's SQLite test database files (WAL and shared-memory included)."""
    import os
    from pathlib import Path

    var = Path(__file__).resolve().parents[1] / "var"
    for leftover in var.glob(f"test-db-{os.getpid()}.sqlite3*"):
        leftover.unlink(missing_ok=True)
