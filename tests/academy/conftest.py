import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the services queue for after commit (emails, invoices, freed places).

    Tests inside a transaction never commit, so `with committed(): ...` runs
    the callbacks the block queued, as production would after its commit.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)
