"""A cohort is never oversold however many decisions and enrolments race (PostgreSQL threads).

SQLite has one writer at a time, so it cannot show a race; these tests are
skipped there, with the reason printed.
"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.utils import timezone

from academy.exceptions import CohortFull
from academy.models import Application, Enrolment
from academy.selectors import places_taken
from academy.services.applications import Decision, application_decide
from academy.services.enrolments import enrolment_create
from payments.services import Billing
from tests.academy.factories import ApplicationFactory, CohortFactory
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 40


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrency proof needs PostgreSQL row locks: set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (as .ci/run does)."
        )


@pytest.fixture(autouse=True)
def _no_emails(monkeypatch):
    # Emails are not what is raced here; keep the threads to the database.
    monkeypatch.setattr("academy.notifications.send_email", lambda **kwargs: 1)


def _race(act) -> Counter:
    """Run act(n) in THREADS threads released together; count the outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait()
            try:
                act(n)
                outcome = "ok"
            except CohortFull:
                outcome = "full"
            except Exception as error:  # any other outcome fails the test
                outcome = f"error: {error!r}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return Counter(outcomes)


def test_forty_acceptances_race_for_ten_places():
    cohort = CohortFactory(capacity=10, modules=1)
    manager = UserFactory(email="pm@example.org")
    applications = ApplicationFactory.create_batch(THREADS, cohort=cohort)

    outcomes = _race(
        lambda n: application_decide(
            application=applications[n], decision=Decision.ACCEPT, by=manager
        )
    )

    assert outcomes == Counter({"ok": 10, "full": 30})
    assert Application.objects.filter(cohort=cohort, state="accepted").count() == 10
    assert places_taken(cohort=cohort) == 10


def test_forty_lapsed_offers_race_to_enrol_in_ten_places():
    """Offers that lapsed hold nothing: enrolling then takes a place only if one is free."""
    cohort = CohortFactory(capacity=10, modules=1)
    past = timezone.now() - datetime.timedelta(hours=1)
    applications = [
        ApplicationFactory(
            cohort=cohort,
            applicant=UserFactory(email=f"delegate{n}@example.org"),
            state=Application.State.ACCEPTED,
            offer_expires_at=past,
        )
        for n in range(THREADS)
    ]
    billing = Billing(organisation="Leeds City Council", address="Civic Hall", postcode="LS1 1UR")

    outcomes = _race(
        lambda n: enrolment_create(
            application=applications[n],
            by=applications[n].applicant,
            payment_method="invoice",
            billing=billing,
        )
    )

    assert outcomes == Counter({"ok": 10, "full": 30})
    assert Enrolment.objects.filter(cohort=cohort).count() == 10
    assert places_taken(cohort=cohort) == 10
