"""The event staff desk in a real browser; every page passes axe."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from events.models import Registration, WaitingListEntry
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event():
    event = EventFactory(title="Share Digital", slug="share-digital", capacity=4)
    standard = TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100"))
    TicketTypeFactory(event=event, name="Speaker", price_net=Decimal("0"), hidden=True)
    RegistrationFactory(
        ticket_type=standard,
        first_name="Rhian",
        last_name="Pritchard",
        email="rhian@conwy.gov.uk",
        dietary="Vegan",
    )
    RegistrationFactory(
        ticket_type=standard,
        first_name="Dafydd",
        last_name="Jones",
        access_needs="Step-free access",
        state=Registration.State.PENDING,
    )
    RegistrationFactory(ticket_type=standard, state=Registration.State.CANCELLED)
    now = timezone.now()
    WaitingListEntry.objects.create(
        event=event,
        email="offered@example.org",
        name="Offered Person",
        position=1,
        state=WaitingListEntry.State.OFFERED,
        offered_at=now,
        offer_expires_at=now + datetime.timedelta(hours=48),
    )
    for n, name in enumerate(["Eira Hughes", "Siân Evans", "Owain Lloyd"], start=2):
        WaitingListEntry.objects.create(
            event=event, email=f"{name.split()[0].lower()}@example.org", name=name, position=n
        )
    WaitingListEntry.objects.create(
        event=event, email="gone@example.org", position=9, state=WaitingListEntry.State.REMOVED
    )
    return event


@pytest.fixture
def staff_page(page, live_server):
    """The browser, signed in as event staff."""
    staff = UserFactory(email="gwen@digital-leaders.example")
    staff.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    client = Client()
    client.force_login(staff)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize(
    "path",
    [
        "/events/staff/",
        "/events/share-digital/staff/",
        "/events/share-digital/staff/attendees/",
        "/events/share-digital/staff/attendees/?state=confirmed&needs=dietary&q=rhian",
        "/events/share-digital/staff/attendees/?state=nonsense&q=nobody",
        "/events/share-digital/staff/comps/",
        "/events/share-digital/staff/email/",
        "/events/share-digital/staff/waiting-list/",
    ],
)
def test_staff_pages_pass_axe(staff_page, event, path):
    staff_page.goto(path)

    assert staff_page.locator("h1").count() == 1
    assert axe_violations(staff_page) == []


def test_comp_with_errors_passes_axe(staff_page, event):
    staff_page.goto("/events/share-digital/staff/comps/")
    staff_page.get_by_role("button", name="Add place").click()

    assert staff_page.title().startswith("Error:")
    assert staff_page.get_by_role("link", name="Select a ticket type").is_visible()
    assert axe_violations(staff_page) == []


def test_staff_filters_attendees_and_cancels_a_place(staff_page, event):
    staff_page.goto("/events/share-digital/staff/attendees/")
    staff_page.get_by_label("Dietary requirements").check()
    staff_page.get_by_role("button", name="Apply filters").click()

    assert staff_page.get_by_role("status").inner_text() == "1 place match your filters."
    staff_page.get_by_role("link", name="Cancel the place for Rhian Pritchard").click()
    assert axe_violations(staff_page) == []
    staff_page.get_by_role("button", name="Cancel this place").click()

    assert "The place for Rhian Pritchard is cancelled" in staff_page.locator("main").inner_text()
    assert Registration.objects.get(email="rhian@conwy.gov.uk").state == "cancelled"


def test_staff_emails_all_delegates(staff_page, event, mailoutbox):
    staff_page.goto("/events/share-digital/staff/email/")
    staff_page.get_by_label("Subject").fill("Room change")
    staff_page.get_by_label("Message").fill("We have moved to the Tudor Room.\n\nSee you there.")
    staff_page.get_by_role("button", name="Continue").click()

    assert staff_page.get_by_role("heading", level=1).inner_text() == "Check your message"
    assert axe_violations(staff_page) == []
    staff_page.get_by_role("button", name="Send to 1 delegate").click()

    assert "Your message is being sent to 1 delegate" in staff_page.locator("main").inner_text()
    assert [m.to for m in mailoutbox] == [["rhian@conwy.gov.uk"]]
    assert "We have moved to the Tudor Room.\n\nSee you there." in mailoutbox[0].body


def test_staff_reorders_the_waiting_list(staff_page, event):
    staff_page.goto("/events/share-digital/staff/waiting-list/")
    staff_page.get_by_role("button", name="Move up Owain Lloyd").click()

    # expect() waits for the page each click loads.
    expect(staff_page.locator("main")).to_contain_text("Owain Lloyd is now number 2")
    staff_page.get_by_label("Move to position for Eira Hughes").fill("nought")
    staff_page.get_by_role("button", name="Move Eira Hughes", exact=True).click()

    expect(staff_page).to_have_title(re.compile(r"^Error:"))
    assert axe_violations(staff_page) == []
    staff_page.get_by_role("link", name="Remove Siân Evans from the waiting list").click()
    expect(staff_page.get_by_role("button", name="Remove from the waiting list")).to_be_visible()
    assert axe_violations(staff_page) == []
    staff_page.get_by_role("button", name="Remove from the waiting list").click()
    expect(
        staff_page.get_by_role("link", name="Remove Siân Evans from the waiting list")
    ).to_have_count(0)

    waiting = WaitingListEntry.objects.filter(event=event, state="waiting").order_by("position")
    assert [e.name for e in waiting] == ["Eira Hughes", "Owain Lloyd"]
