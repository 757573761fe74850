"""The check-in desk page: who may open it, and that it loads nothing from outside."""

import hashlib
import re
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from events.models import CheckInDevice
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

PONYFILL = "js/vendor/barcode-detector/ponyfill.js"
WASM = "js/vendor/barcode-detector/zxing_reader.wasm"
QR_CAMERA_JS = "js/qr-camera.js"
DESK_JS = "js/checkin-desk.js"


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital")


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


@pytest.fixture
def device(event, staff):
    return CheckInDevice.objects.create(event=event, label="Main entrance", issued_by=staff)


def desk_url(event) -> str:
    return f"/events/{event.slug}/checkin/"


def test_the_desk_has_a_short_address(event):
    assert reverse("events:checkin_desk", args=[event.slug]) == "/events/share-digital/checkin/"


def test_anonymous_visitors_are_sent_to_sign_in(client, event):
    response = client.get(desk_url(event))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next=/events/share-digital/checkin/"
    )


def test_people_who_cannot_change_places_are_refused(client, event):
    client.force_login(UserFactory())

    response = client.get(desk_url(event))

    assert response.status_code == 403


def test_staff_who_can_only_view_places_are_refused(client, event):
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(viewer)

    assert client.get(desk_url(event)).status_code == 403


def test_event_staff_get_the_desk(client, event, staff):
    client.force_login(staff)

    response = client.get(desk_url(event))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Check-in desk" in page
    assert 'for="code"' in page  # the scanner field has a label
    assert "Start camera" in page
    assert static(PONYFILL) in page
    assert static(WASM) in page
    assert static(DESK_JS) in page
    assert "/api/v1/events/share-digital/checkins/" in page
    assert "/api/v1/events/share-digital/attendees/offline/" in page
    assert response.context["device"] is None


def test_an_unknown_event_is_not_found(client, staff):
    client.force_login(staff)

    assert client.get("/events/no-such-event/checkin/").status_code == 404


def test_the_desk_never_changes_anything_on_post(client, event, staff):
    client.force_login(staff)

    assert client.post(desk_url(event)).status_code == 405


def _scripts(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.DOTALL)


def test_the_page_loads_scripts_from_this_site_only(client, event, staff):
    client.force_login(staff)

    page = client.get(desk_url(event)).content.decode()

    scripts = _scripts(page)
    assert scripts
    for attributes, body in scripts:
        assert "http://" not in attributes + body
        assert "https://" not in attributes + body
        src = re.search(r'src="([^"]+)"', attributes)
        if src:
            assert src.group(1).startswith("/static/")
    # No stylesheet, image or data attribute points off the site either.
    assert not re.search(r'(src|href|data-[a-z-]+)="https?://', page)


def test_the_desk_script_names_no_outside_address():
    script = Path(finders.find(DESK_JS)).read_text()
    camera = Path(finders.find(QR_CAMERA_JS)).read_text()

    for source in (script, camera):
        assert "http://" not in source
        assert "https://" not in source
    # The desk builds its detector with the shared camera module, which points
    # the ZXing WebAssembly at our own copy before any detector is made.
    assert "from './qr-camera.js'" in script
    assert "loadQrDetector(config.ponyfillUrl, config.wasmUrl)" in script
    assert "prepareZXingModule" in camera
    assert "locateFile" in camera


def test_the_browser_is_told_to_fetch_from_this_site_only(client, event, staff):
    client.force_login(staff)

    response = client.get(desk_url(event))

    policy = response["Content-Security-Policy"]
    assert "connect-src 'self'" in policy
    assert "default-src 'self'" in policy
    assert "https:" not in policy


def test_the_vendored_reader_matches_its_webassembly():
    ponyfill = finders.find(PONYFILL)
    wasm = finders.find(WASM)
    bundle = finders.find("js/vendor/barcode-detector/zxing-exported.js")

    assert ponyfill and wasm and bundle
    digest = hashlib.sha256(Path(wasm).read_bytes()).hexdigest()
    # The glue code names the hash of the .wasm it was built for.
    assert f'"{digest}"' in Path(bundle).read_text()
    assert static(WASM).startswith("/static/")


@pytest.mark.django_db(transaction=True)
def test_the_webassembly_is_served_from_static(live_server):
    with urllib.request.urlopen(f"{live_server.url}{static(WASM)}") as response:
        body = response.read()
        content_type = response.headers["Content-Type"]

    # Browsers compile it while it downloads only when it is served as application/wasm.
    assert content_type == "application/wasm"
    assert body[:4] == b"\0asm"


# --- Door devices --------------------------------------------------------------------


def test_a_device_link_opens_the_desk_without_signing_in(client, event, device):
    response = client.get(f"{desk_url(event)}?device={device.token}")

    assert response.status_code == 200
    assert response.context["device"] == device
    assert "Main entrance" in response.content.decode()
    # The page's script uses the token for the API; it cannot print badges.
    assert f'data-device-token="{device.token}"' in response.content.decode()
    assert 'data-badge-url=""' in response.content.decode()


def test_a_device_can_reload_the_desk_after_the_token_leaves_the_address(client, event, device):
    client.get(f"{desk_url(event)}?device={device.token}")

    response = client.get(desk_url(event))

    assert response.status_code == 200
    assert response.context["device"] == device


def test_a_revoked_device_is_refused_at_once(client, event, device):
    client.get(f"{desk_url(event)}?device={device.token}")
    device.revoked_at = timezone.now()
    device.save()

    for url in (desk_url(event), f"{desk_url(event)}?device={device.token}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "This check-in link does not work" in response.content.decode()
        assert device.token not in response.content.decode()


def test_an_unknown_device_token_is_refused(client, event):
    response = client.get(f"{desk_url(event)}?device=not-a-real-token")

    assert response.status_code == 403
    assert "This check-in link does not work" in response.content.decode()


def test_a_device_token_for_another_event_is_refused(client, event, staff):
    other = CheckInDevice.objects.create(event=EventFactory(), label="Side door", issued_by=staff)

    response = client.get(f"{desk_url(event)}?device={other.token}")

    assert response.status_code == 403


def test_a_bad_device_link_is_refused_even_for_staff(client, event, staff):
    client.force_login(staff)

    assert client.get(f"{desk_url(event)}?device=not-a-real-token").status_code == 403


def test_staff_whose_session_holds_a_revoked_device_are_judged_as_themselves(
    client, event, device, staff
):
    client.force_login(staff)
    client.get(f"{desk_url(event)}?device={device.token}")
    device.revoked_at = timezone.now()
    device.save()

    response = client.get(desk_url(event))

    assert response.status_code == 200
    assert response.context["device"] is None


def test_the_staff_event_page_links_to_the_desk(client, event, staff):
    client.force_login(staff)

    response = client.get(f"/events/{event.slug}/staff/")

    assert 'href="/events/share-digital/checkin/"' in response.content.decode()
    assert "Check-in desk" in response.content.decode()
