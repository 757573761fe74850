"""Badge pages in a real browser: the batch page follows progress live and passes axe."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from accounts import roles
from badges.models import BadgeBatch
from badges.services import batch_render
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


@pytest.fixture
def event():
    event = EventFactory(title="Share Digital", slug="share-digital")
    standard = TicketTypeFactory(event=event, name="Standard")
    order = OrderFactory()
    for first, last in [("Siân", "Llŷr"), ("Aoife", "Ní Mhaolchatha"), ("Øyvind", "Hansen")]:
        RegistrationFactory(
            ticket_type=standard,
            order=order,
            first_name=first,
            last_name=last,
            organisation="Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        )
    return event


@pytest.fixture
def staff_page(page, live_server, staff):
    """The browser, signed in as event staff."""
    client = Client()
    client.force_login(staff)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def test_the_badge_page_passes_axe_and_starts_a_batch(staff_page, event):
    staff_page.goto("/badges/events/share-digital/")
    assert axe_violations(staff_page) == []

    staff_page.get_by_label("CR80 card (85.6 × 54 mm), one per page").check()
    staff_page.get_by_label("Only badges that have not been printed yet").check()
    staff_page.get_by_role("button", name="Start printing").click()

    # Tasks run at once in tests: the batch page opens on a finished batch.
    expect(staff_page.get_by_role("status")).to_contain_text("3 badges ready to download.")
    assert axe_violations(staff_page) == []
    link = staff_page.get_by_role("button", name="Download the badges (PDF)")
    response = staff_page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"


def test_a_form_with_errors_passes_axe(staff_page, event):
    BadgeBatch.objects.create(event=event, total=3)
    event.registrations.update(badge_printed_at="2026-01-01T09:00:00Z")
    staff_page.goto("/badges/events/share-digital/")
    staff_page.get_by_label("Only badges that have not been printed yet").check()
    staff_page.get_by_role("button", name="Start printing").click()

    expect(staff_page).to_have_title(re.compile(r"^Error: "))
    expect(
        staff_page.get_by_role("link", name="No confirmed places match these choices.")
    ).to_be_visible()
    assert axe_violations(staff_page) == []


def test_the_batch_page_follows_a_batch_from_queued_to_done(staff_page, staff, event):
    # Made directly, so that no task renders it until the test says so.
    batch = BadgeBatch.objects.create(event=event, layout="a6", total=3, created_by=staff)
    staff_page.goto(f"/badges/events/share-digital/batches/{batch.pk}/")

    status = staff_page.get_by_role("status")
    expect(status).to_contain_text("Waiting to start 3 badges to print.")
    download = staff_page.get_by_role("button", name="Download the badges (PDF)")
    expect(download).to_be_hidden()
    assert axe_violations(staff_page) == []

    batch_render(batch_id=batch.pk)

    # The page polls every 2 seconds: the live region and the button update in place.
    expect(status).to_contain_text("Ready", timeout=15_000)
    expect(status).to_contain_text("3 badges ready to download.")
    expect(download).to_be_visible()
    expect(staff_page.get_by_role("link", name="Refresh this page")).to_be_hidden()
    assert axe_violations(staff_page) == []
