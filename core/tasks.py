"""Queue background work so that it starts only once the data it needs is committed."""

from django.db import transaction
from django_q.tasks import async_task


def enqueue_on_commit(func_path: str, *args, **kwargs) -> None:
    """Run the django-q2 task `func_path(*args, **kwargs)` after the current transaction commits.

    Nothing is queued if the transaction rolls back, and a worker never
    starts on rows it cannot see yet.
    """
    transaction.on_commit(lambda: async_task(func_path, *args, **kwargs))
