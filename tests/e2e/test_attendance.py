"""The attendance report and the check-in devices page in a real browser; both pass axe."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles
from events.models import CheckInDevice
from events.services.checkin import checkin_scan
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event():
    event = EventFactory(title="Share Digital", slug="share-digital")
    standard = TicketTypeFactory(event=event, name="Standard")
    speaker = TicketTypeFactory(event=event, name="Speaker")
    came = RegistrationFactory(
        ticket_type=standard,
        first_name="Siân",
        last_name="Ellis",
        organisation="Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
    )
    RegistrationFactory(ticket_type=speaker, first_name="Dafydd", last_name="Jones")
    RegistrationFactory(ticket_type=standard, first_name="Owain", last_name="Lloyd")
    checkin_scan(event=event, secret=came.ticket_secret, nonce="e2e-1")
    CheckInDevice.objects.create(event=event, label="Main entrance")
    return event


@pytest.fixture
def staff_page(page, live_server):
    """The browser, signed in as event staff."""
    staff = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
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
    ["/events/share-digital/staff/attendance/", "/events/share-digital/staff/devices/"],
)
def test_attendance_and_devices_pages_pass_axe(staff_page, event, path):
    staff_page.goto(path)

    assert staff_page.locator("h1").count() == 1
    assert axe_violations(staff_page) == []


def test_attendance_page_on_a_phone_sized_screen(staff_page, event):
    staff_page.set_viewport_size({"width": 360, "height": 740})
    staff_page.goto("/events/share-digital/staff/attendance/")

    assert "1 of 3 confirmed delegates came (33%)." in staff_page.locator("main").inner_text()
    # Wide tables scroll inside their own region, not the page.
    assert staff_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(staff_page) == []


def test_staff_issue_a_device_and_see_its_link_once(staff_page, event):
    staff_page.goto("/events/share-digital/staff/devices/")
    staff_page.get_by_role("button", name="Add device").click()

    assert staff_page.title().startswith("Error:")
    assert staff_page.get_by_role("link", name="Enter a name for the device").is_visible()
    assert axe_violations(staff_page) == []

    staff_page.get_by_label("Device name").fill("Side door")
    staff_page.get_by_role("button", name="Add device").click()

    device = CheckInDevice.objects.get(label="Side door")
    link = staff_page.get_by_label("Setup link for “Side door”")
    assert link.input_value().endswith(f"/events/share-digital/checkin/?device={device.token}")
    assert staff_page.get_by_role(
        "img", name="QR code of the setup link for “Side door”"
    ).is_visible()
    assert axe_violations(staff_page) == []

    staff_page.reload()
    assert device.token not in staff_page.content()

    staff_page.get_by_role("button", name="Revoke “Side door”").click()
    assert "“Side door” can no longer check people in." in staff_page.locator("main").inner_text()
    device.refresh_from_db()
    assert device.revoked_at is not None
