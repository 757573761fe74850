"""The check-in desk in a real browser at phone size: camera, handheld scanner,
search, a dropped connection, and axe in every state."""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from accounts import roles
from core.qr import qr_code
from events.models import CheckIn, CheckInDevice, Registration
from events.services.checkin import checkin_scan
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import CHROMIUM, axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESK = "/events/share-digital/checkin/"
FAKE_CAMERA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture
def event():
    event = EventFactory(title="Share Digital", slug="share-digital")
    standard = TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100"))
    RegistrationFactory(
        ticket_type=standard,
        first_name="Rhian",
        last_name="Pritchard",
        email="rhian@conwy.gov.uk",
        organisation="Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        access_needs="Step-free access and a hearing loop",
    )
    RegistrationFactory(
        ticket_type=standard,
        first_name="Siân",
        last_name="Evans",
        email="sian@gwynedd.llyw.cymru",
        organisation="Cyngor Gwynedd",
    )
    RegistrationFactory(
        ticket_type=standard,
        first_name="Dafydd",
        last_name="Jones",
        state=Registration.State.CANCELLED,
    )
    return event


def place(first_name: str) -> Registration:
    return Registration.objects.get(first_name=first_name)


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


@pytest.fixture
def desk(browser, live_server, staff, event):
    """Open the desk on a phone-sized screen as event staff; fail on any outside request."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    sign_in(context, live_server, staff)
    page = context.new_page()
    outside = watch_for_outside_requests(page, live_server)
    page.goto(DESK)
    # The attendee list is saved for offline use once the page has loaded.
    expect(page.locator("#desk-queue")).to_contain_text("Attendee list saved at")
    yield page
    assert outside == []
    context.close()


def watch_for_outside_requests(page, live_server) -> list[str]:
    """Record every request to another host, and every request the page's policy blocks."""
    ours = urlsplit(live_server.url).netloc
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https")
            and urlsplit(request.url).netloc != ours
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            outside.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return outside


def result(page):
    return page.locator("#result")


def scan_by_hand(page, secret: str) -> None:
    """Type a code and press Enter, as a handheld scanner does."""
    page.get_by_label("Ticket code").fill(secret)
    page.get_by_label("Ticket code").press("Enter")


def next_person(page) -> None:
    page.get_by_role("button", name="Next").click()
    expect(result(page)).to_be_hidden()


# --- The camera ------------------------------------------------------------------------


def write_qr_video(path, secret: str) -> None:
    """Write a Y4M video of the ticket's QR code for Chromium's fake camera.

    Grey only: the luma plane is the picture, both chroma planes are neutral (128).
    """
    width, height = 640, 480
    png = io.BytesIO()
    qr_code(secret).save(png, kind="png", scale=10, border=4)
    code = Image.open(png).convert("L")
    side = height - 40
    frame = Image.new("L", (width, height), 255)
    frame.paste(code.resize((side, side), Image.NEAREST), ((width - side) // 2, 20))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_the_camera_reads_a_ticket_and_checks_the_delegate_in(
    browser, live_server, staff, event, tmp_path
):
    rhian = place("Rhian")
    video = tmp_path / "ticket.y4m"
    write_qr_video(video, rhian.ticket_secret)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        context = camera_browser.new_context(base_url=live_server.url, viewport=PHONE)
        context.grant_permissions(["camera"], origin=live_server.url)
        sign_in(context, live_server, staff)
        page = context.new_page()
        outside = watch_for_outside_requests(page, live_server)
        page.goto(DESK)
        with page.expect_response(re.compile(r"/static/.*zxing_reader.*\.wasm$")) as wasm:
            page.get_by_role("button", name="Start camera").click()
        assert wasm.value.ok

        expect(result(page)).to_be_visible(timeout=15000)
        expect(page.locator("#result-heading")).to_have_text("Checked in")
        expect(page.locator("#result-name")).to_have_text("Rhian Pritchard")
        expect(result(page)).to_contain_text("Cyngor Bwrdeistref Sirol Conwy")
        expect(result(page)).to_contain_text("Step-free access and a hearing loop")
        assert outside == []
        checkin = CheckIn.objects.get()
        assert checkin.registration == rhian
        assert checkin.by == staff
        context.close()
    finally:
        camera_browser.close()


# --- A handheld scanner and search -----------------------------------------------------


def test_a_handheld_scanner_checks_in_then_warns_of_a_second_scan(desk):
    rhian = place("Rhian")

    scan_by_hand(desk, rhian.ticket_secret)

    expect(desk.locator("#result-heading")).to_have_text("Checked in")
    expect(result(desk)).to_have_class(re.compile("desk-result--ok"))
    expect(desk.locator("#result-name")).to_have_text("Rhian Pritchard")
    expect(desk.locator("#result-needs")).to_contain_text("Step-free access")
    expect(desk.locator("#announcer")).to_contain_text("Checked in. Rhian Pritchard")
    expect(desk.locator("#count-in")).to_have_text("1")
    expect(desk.locator("#result-offline")).to_be_hidden()
    expect(desk.get_by_role("button", name="Undo check-in")).to_be_visible()
    next_person(desk)
    expect(desk.get_by_label("Ticket code")).to_be_focused()

    scan_by_hand(desk, rhian.ticket_secret)

    expect(desk.locator("#result-heading")).to_have_text("Already checked in")
    expect(result(desk)).to_have_class(re.compile("desk-result--warn"))
    expect(desk.locator("#result-detail")).to_have_text(
        re.compile(r"^Checked in at \d\d:\d\d by Gwen Morgan\.$")
    )
    expect(desk.get_by_role("button", name="Undo check-in")).to_be_hidden()
    expect(desk.locator("#result-offline")).to_be_hidden()
    expect(desk.locator("#count-in")).to_have_text("1")
    assert CheckIn.objects.count() == 1

    # The scanner types the next code while the result is still showing.
    desk.keyboard.type(place("Siân").ticket_secret)
    desk.keyboard.press("Enter")

    expect(desk.locator("#result-heading")).to_have_text("Checked in")
    expect(desk.locator("#result-name")).to_have_text("Siân Evans")
    expect(desk.locator("#count-in")).to_have_text("2")


def test_unknown_and_cancelled_tickets_are_turned_away_in_words(desk):
    scan_by_hand(desk, "not-a-ticket")

    expect(desk.locator("#result-heading")).to_have_text("Ticket not recognised")
    expect(result(desk)).to_have_class(re.compile("desk-result--stop"))
    next_person(desk)

    scan_by_hand(desk, place("Dafydd").ticket_secret)

    expect(desk.locator("#result-heading")).to_have_text("Place cancelled")
    expect(desk.locator("#result-detail")).to_contain_text("Do not let them in")
    expect(desk.get_by_role("link", name="Print badge")).to_be_hidden()
    expect(desk.get_by_role("button", name="Undo check-in")).to_be_hidden()
    assert CheckIn.objects.count() == 0


def test_search_by_name_then_check_in_undo_and_print_a_badge(desk):
    rhian = place("Rhian")
    desk.get_by_label("Name, email, organisation or booking reference").fill("pritchard")
    desk.get_by_role("button", name="Search").click()
    expect(desk.locator("#search-status")).to_have_text("1 person found.")

    desk.get_by_role("button", name="Check in Rhian Pritchard").click()

    expect(desk.locator("#result-heading")).to_have_text("Checked in")
    expect(desk.locator("#result-name")).to_have_text("Rhian Pritchard")
    badge = desk.get_by_role("link", name="Print badge")
    expect(badge).to_have_attribute(
        "href", re.compile(rf"/badges/places/{rhian.pk}\.pdf\?layout=a6$")
    )
    expect(badge).to_have_attribute("target", "_blank")
    expect(desk.locator("#count-in")).to_have_text("1")
    assert CheckIn.objects.get().registration == rhian

    desk.get_by_role("button", name="Undo check-in").click()

    expect(desk.locator("#result-heading")).to_have_text("Check-in undone")
    expect(desk.locator("#count-in")).to_have_text("0")
    assert CheckIn.objects.get().undone_at is not None


def test_search_finds_accented_names_without_the_accent(desk):
    desk.get_by_label("Name, email, organisation or booking reference").fill("gwynedd")
    desk.get_by_role("button", name="Search").click()

    expect(desk.get_by_role("button", name="Check in Siân Evans")).to_be_visible()


# --- A dropped connection --------------------------------------------------------------


def queued_nonces(page) -> list[str]:
    return page.evaluate(
        "JSON.parse(localStorage.getItem('checkin:share-digital:queue') || '[]')"
        ".map(scan => scan.nonce)"
    )


def test_offline_scans_are_decided_locally_and_sent_once_when_back(desk):
    rhian = place("Rhian")
    desk.context.set_offline(True)
    expect(desk.locator("#desk-connection")).to_contain_text("Offline")

    scan_by_hand(desk, rhian.ticket_secret)

    expect(desk.locator("#result-heading")).to_have_text("Checked in")
    expect(desk.locator("#result-offline")).to_have_text("Offline – will sync")
    expect(desk.locator("#result-name")).to_have_text("Rhian Pritchard")
    expect(desk.locator("#count-in")).to_have_text("1")
    next_person(desk)
    expect(desk.locator("#desk-queue")).to_contain_text("1 scan waiting to send")
    # The same ticket again on this device: the saved list knows they are in.
    scan_by_hand(desk, rhian.ticket_secret)
    expect(desk.locator("#result-heading")).to_have_text("Already checked in")
    next_person(desk)
    # Search works from the saved list.
    desk.get_by_label("Name, email, organisation or booking reference").fill("evans")
    desk.get_by_role("button", name="Search").click()
    expect(desk.locator("#search-status")).to_contain_text("saved on this device (offline)")
    expect(desk.get_by_role("button", name="Check in Siân Evans")).to_be_visible()
    nonces = queued_nonces(desk)
    assert len(nonces) == 2
    assert CheckIn.objects.count() == 0

    desk.context.set_offline(False)

    expect(desk.locator("#desk-queue")).to_contain_text("All scans sent.")
    expect(desk.locator("#desk-connection")).to_have_text("Online")
    checkin = CheckIn.objects.get()
    assert checkin.registration == rhian
    assert checkin.nonce == nonces[0]
    expect(desk.locator("#conflicts")).to_be_hidden()
    expect(desk.locator("#count-in")).to_have_text("1")


def test_a_scan_whose_answer_was_lost_is_not_counted_twice(desk):
    rhian = place("Rhian")

    def reach_the_server_then_drop(route):
        route.fetch()  # the server records the scan...
        route.abort("internetdisconnected")  # ...but its answer never arrives

    desk.route("**/api/v1/events/share-digital/checkins/", reach_the_server_then_drop)
    scan_by_hand(desk, rhian.ticket_secret)
    expect(desk.locator("#result-offline")).to_be_visible()
    assert CheckIn.objects.count() == 1
    next_person(desk)
    desk.unroute("**/api/v1/events/share-digital/checkins/")

    desk.evaluate("window.dispatchEvent(new Event('online'))")

    expect(desk.locator("#desk-queue")).to_contain_text("All scans sent.")
    assert CheckIn.objects.count() == 1
    expect(desk.locator("#conflicts")).to_be_hidden()


def test_a_scan_that_another_door_beat_is_shown_as_a_conflict(desk, staff):
    rhian = place("Rhian")
    desk.context.set_offline(True)
    scan_by_hand(desk, rhian.ticket_secret)
    expect(desk.locator("#result-offline")).to_be_visible()
    next_person(desk)
    # Meanwhile, the side door let her in.
    checkin_scan(event=rhian.event, secret=rhian.ticket_secret, nonce="side-door-1", by=staff)

    desk.context.set_offline(False)

    expect(desk.locator("#desk-status")).to_contain_text("Sync: 1 conflict")
    conflicts = desk.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Rhian Pritchard")
    expect(conflicts).to_contain_text("Shown at the door: Checked in")
    expect(conflicts).to_contain_text("Now: Already checked in. Checked in at")
    assert CheckIn.objects.count() == 1
    assert axe_violations(desk) == []

    desk.get_by_role("button", name="I have read these: clear the list").click()
    expect(conflicts).to_be_hidden()


# --- Accessibility ---------------------------------------------------------------------


def test_the_desk_passes_axe_at_phone_size_in_every_state(desk):
    assert axe_violations(desk) == []

    scan_by_hand(desk, place("Rhian").ticket_secret)
    expect(desk.locator("#result-heading")).to_have_text("Checked in")
    assert axe_violations(desk) == []
    next_person(desk)

    scan_by_hand(desk, place("Rhian").ticket_secret)
    expect(desk.locator("#result-heading")).to_have_text("Already checked in")
    assert axe_violations(desk) == []
    next_person(desk)

    scan_by_hand(desk, place("Dafydd").ticket_secret)
    expect(desk.locator("#result-heading")).to_have_text("Place cancelled")
    assert axe_violations(desk) == []
    next_person(desk)

    desk.get_by_role("button", name="Check ticket").click()
    expect(desk.locator("#code-error")).to_be_visible()
    desk.get_by_label("Name, email, organisation or booking reference").fill("conwy")
    desk.get_by_role("button", name="Search").click()
    expect(desk.get_by_role("button", name="Check in Rhian Pritchard")).to_be_visible()
    desk.context.set_offline(True)
    expect(desk.locator("#desk-connection")).to_contain_text("Offline")
    assert axe_violations(desk) == []
    # Nothing on the page is wider than the phone.
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_door_device_checks_in_with_its_token_and_no_session(browser, live_server, event):
    device = CheckInDevice.objects.create(event=event, label="Main entrance")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{DESK}?device={device.token}")

    # The token leaves the address bar and stays on the device.
    expect(page).to_have_url(f"{live_server.url}{DESK}")
    assert page.evaluate("localStorage.getItem('checkin:share-digital:device')") == (
        f'"{device.token}"'
    )
    expect(page.locator("#desk-queue")).to_contain_text("Attendee list saved at")
    scan_by_hand(page, place("Rhian").ticket_secret)

    expect(page.locator("#result-heading")).to_have_text("Checked in")
    expect(page.get_by_role("link", name="Print badge")).to_be_hidden()
    checkin = CheckIn.objects.get()
    assert checkin.device == "Main entrance"
    assert checkin.by is None
    assert axe_violations(page) == []
    context.close()
