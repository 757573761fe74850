"""The check-in API and its device tokens: scans, undo, attendees, counts; the devices page."""

import datetime
import hashlib
import json
import threading
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from events.models import CheckIn, CheckInDevice, Registration
from events.services.booking import DelegateDetails
from events.services.checkin import checkin_scan
from events.services.places import registration_transfer
from payments.models import Order
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db

PLACE_KEYS = {
    "id",
    "first_name",
    "last_name",
    "job_title",
    "organisation",
    "ticket_type",
    "access_needs",
    "state",
    "checkin_id",
    "checked_in_at",
}


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital")


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard")


@pytest.fixture
def place(standard):
    return RegistrationFactory(
        ticket_type=standard,
        first_name="Siân",
        last_name="Ellis-Pritchard",
        job_title="Head of Digital",
        organisation="Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        access_needs="Step-free access",
    )


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


@pytest.fixture
def device(event, staff):
    return CheckInDevice.objects.create(event=event, label="Main entrance", issued_by=staff)


def device_client(device) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {device.token}")
    return client


def staff_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def door(device):
    return device_client(device)


def checkins_url(event) -> str:
    return f"/api/v1/events/{event.slug}/checkins/"


def scan(client, event, secret, nonce, **body):
    return client.post(
        checkins_url(event), {"secret": secret, "nonce": nonce, **body}, format="json"
    )


# --- Answers --------------------------------------------------------------------------


def test_a_first_scan_checks_the_delegate_in(door, event, place):
    response = scan(door, event, place.ticket_secret, "n-1")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"result", "direction", "place"}
    assert (body["result"], body["direction"]) == ("ok", "entry")
    assert set(body["place"]) == PLACE_KEYS
    checkin = CheckIn.objects.get()
    assert body["place"] == {
        "id": place.pk,
        "first_name": "Siân",
        "last_name": "Ellis-Pritchard",
        "job_title": "Head of Digital",
        "organisation": "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        "ticket_type": "Standard",
        "access_needs": "Step-free access",
        "state": "confirmed",
        "checkin_id": checkin.pk,
        "checked_in_at": timezone.localtime(checkin.scanned_at).isoformat(),
    }
    assert (checkin.device, checkin.by, checkin.nonce) == ("Main entrance", None, "n-1")


def test_a_second_scan_says_who_let_them_in_and_when(door, event, place, staff):
    first = scan(door, event, place.ticket_secret, "n-1").json()

    again = scan(staff_client(staff), event, place.ticket_secret, "n-2", device="Gwen’s phone")

    assert again.status_code == 200
    body = again.json()
    assert set(body) == {"result", "checked_in_at", "by", "device", "place"}
    assert body["result"] == "already_checked_in"
    assert body["by"] == "Main entrance"
    assert body["checked_in_at"] == first["place"]["checked_in_at"]
    assert body["place"]["checkin_id"] == first["place"]["checkin_id"]
    assert CheckIn.objects.count() == 1


def test_already_checked_in_names_the_staff_member(door, event, place, staff):
    scan(staff_client(staff), event, place.ticket_secret, "n-1", device="Gwen’s phone")

    body = scan(door, event, place.ticket_secret, "n-2").json()

    assert (body["by"], body["device"]) == ("Gwen Morgan", "Gwen’s phone")


def test_exit_of_someone_not_in_and_then_in_and_out(door, event, place):
    not_in = scan(door, event, place.ticket_secret, "x-1", direction="exit")
    assert not_in.status_code == 200
    assert not_in.json() == {
        "result": "not_checked_in",
        "place": {**not_in.json()["place"], "checkin_id": None, "checked_in_at": None},
    }
    assert set(not_in.json()["place"]) == PLACE_KEYS

    assert scan(door, event, place.ticket_secret, "x-2").status_code == 201
    out = scan(door, event, place.ticket_secret, "x-3", direction="exit")
    assert out.status_code == 201
    assert (out.json()["result"], out.json()["direction"]) == ("ok", "exit")


def test_an_unknown_ticket(door, event, place):
    response = scan(door, event, "not-a-ticket", "u-1")

    assert response.status_code == 404
    assert response.json() == {"result": "unknown"}


@pytest.mark.parametrize("reason", ["cancelled", "unpaid", "wrong_event", "transferred"])
def test_tickets_that_do_not_admit(door, event, standard, reason):
    if reason == "cancelled":
        refused = RegistrationFactory(ticket_type=standard, state=Registration.State.CANCELLED)
    elif reason == "unpaid":
        card = OrderFactory(payment_method=Order.PaymentMethod.CARD)
        refused = RegistrationFactory(
            ticket_type=standard, state=Registration.State.PENDING, order=card
        )
    else:
        refused = RegistrationFactory(
            ticket_type=standard if reason == "transferred" else TicketTypeFactory()
        )
    secret = refused.ticket_secret
    if reason == "transferred":
        registration_transfer(
            registration=refused,
            to=DelegateDetails(first_name="Owain", last_name="Lloyd", email="owain@conwy.gov.uk"),
        )

    response = scan(door, event, secret, f"r-{reason}")

    assert response.status_code == 409
    body = response.json()
    assert (body["result"], body["reason"]) == ("invalid", reason)
    if reason in {"cancelled", "unpaid"}:
        assert body["place"]["id"] == refused.pk
        assert set(body["place"]) == PLACE_KEYS
    else:
        # Another event's delegate, or the ticket's new holder: not this door's to see.
        assert body.get("place") is None
    assert not CheckIn.objects.exists()


def test_confirmed_invoice_places_are_admitted_though_unpaid(door, event, standard):
    unpaid_invoice = RegistrationFactory(ticket_type=standard, order=OrderFactory())

    assert scan(door, event, unpaid_invoice.ticket_secret, "i-1").status_code == 201


def test_a_replayed_nonce_gets_the_first_answer_again(door, event, place):
    first = scan(door, event, place.ticket_secret, "same")
    again = scan(door, event, place.ticket_secret, "same")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_check_in_by_place_found_by_search(door, event, place):
    response = door.post(checkins_url(event), {"place": place.pk, "nonce": "p-1"}, format="json")

    assert response.status_code == 201
    assert response.json()["place"]["id"] == place.pk


def test_a_place_of_another_event_is_unknown_by_id(door, event):
    elsewhere = RegistrationFactory()

    response = door.post(
        checkins_url(event), {"place": elsewhere.pk, "nonce": "p-2"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"result": "unknown"}


@pytest.mark.parametrize(
    "body",
    [
        {"nonce": "v-1"},
        {"nonce": "v-1", "secret": "s", "place": 1},
        {"secret": "s"},
        {"secret": "s", "nonce": "v-1", "direction": "sideways"},
        {"secret": "s", "nonce": "n" * 65},
    ],
)
def test_malformed_scans_are_refused(door, event, body):
    response = door.post(checkins_url(event), body, format="json")

    assert response.status_code == 400
    assert "errors" in response.json()
    assert not CheckIn.objects.exists()


def test_an_unknown_event(staff):
    response = staff_client(staff).post(
        "/api/v1/events/no-such-event/checkins/", {"secret": "s", "nonce": "1"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Who may scan -----------------------------------------------------------------


def test_staff_with_a_token_scan_as_themselves(event, place, staff):
    response = scan(staff_client(staff), event, place.ticket_secret, "t-1", device="Desk 2")

    assert response.status_code == 201
    checkin = CheckIn.objects.get()
    assert (checkin.by, checkin.device) == (staff, "Desk 2")


def test_a_device_records_its_own_label_whatever_it_says(door, event, place):
    scan(door, event, place.ticket_secret, "d-1", device="Somewhere else")

    assert CheckIn.objects.get().device == "Main entrance"


def test_staff_signed_in_with_a_session(client, event, place, staff):
    client.force_login(staff)

    response = client.post(
        checkins_url(event),
        json.dumps({"secret": place.ticket_secret, "nonce": "s-1"}),
        content_type="application/json",
    )

    assert response.status_code == 201


def test_without_credentials_the_answer_is_401(api_client, event, place):
    response = scan(api_client, event, place.ticket_secret, "a-1")

    assert response.status_code == 401
    assert not CheckIn.objects.exists()


def test_a_revoked_device_is_401(device, event, place):
    device.revoked_at = timezone.now()
    device.save()

    response = scan(device_client(device), event, place.ticket_secret, "a-2")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Device"
    assert not CheckIn.objects.exists()


def test_an_unknown_device_token_is_401(event, place):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Device not-a-token")

    assert scan(client, event, place.ticket_secret, "a-3").status_code == 401


def test_a_device_works_for_its_own_event_only(event, place, staff):
    other = EventFactory(title="Leeds meet-up")
    other_device = CheckInDevice.objects.create(event=other, label="Leeds door")
    client = device_client(other_device)

    assert scan(client, event, place.ticket_secret, "w-1").status_code == 403
    for path in ("attendees/", "attendees/offline/", "checkins/summary/"):
        assert client.get(f"/api/v1/events/{event.slug}/{path}").status_code == 403
    assert not CheckIn.objects.exists()


def test_a_device_token_opens_nothing_else(door):
    assert door.get("/api/v1/bookings/").status_code in (401, 403)


@pytest.mark.parametrize("how", ["session", "token"])
def test_a_delegate_without_the_permission_is_403(client, event, place, how):
    delegate = UserFactory(email="rhian@conwy.gov.uk")
    if how == "token":
        api = staff_client(delegate)
    else:
        api = APIClient()
        api.force_login(delegate)

    assert scan(api, event, place.ticket_secret, "f-1").status_code == 403
    assert api.get(f"/api/v1/events/{event.slug}/attendees/").status_code == 403
    assert not CheckIn.objects.exists()


# --- Undo ------------------------------------------------------------------------------


def undo_url(checkin_id: int) -> str:
    return f"/api/v1/checkins/{checkin_id}/undo/"


def test_undo_within_a_minute(door, event, place):
    made = scan(door, event, place.ticket_secret, "u-1").json()["place"]["checkin_id"]

    response = door.post(undo_url(made))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"checkin_id", "direction", "scanned_at", "undone_at", "place_id"}
    assert (body["checkin_id"], body["place_id"], body["direction"]) == (made, place.pk, "entry")
    assert CheckIn.objects.get().undone_at is not None
    # Undone, the place can be checked in again.
    assert scan(door, event, place.ticket_secret, "u-2").status_code == 201


def test_undo_after_a_minute_is_409(door, event, place):
    made = checkin_scan(
        event=event,
        secret=place.ticket_secret,
        nonce="old",
        now=timezone.now() - datetime.timedelta(minutes=2),
    ).checkin

    response = door.post(undo_url(made.pk))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A scan can only be undone within a minute.",
        "code": "change_not_allowed",
    }


def test_undo_twice_is_409(door, event, place):
    made = scan(door, event, place.ticket_secret, "u-3").json()["place"]["checkin_id"]
    door.post(undo_url(made))

    assert door.post(undo_url(made)).status_code == 409


def test_a_device_cannot_undo_another_events_scan(event, place, staff):
    made = checkin_scan(event=event, secret=place.ticket_secret, nonce="e-1").checkin
    other_device = CheckInDevice.objects.create(event=EventFactory(), label="Leeds door")

    assert device_client(other_device).post(undo_url(made.pk)).status_code == 404
    assert staff_client(staff).post(undo_url(made.pk)).status_code == 200


# --- Attendees, offline list and counts --------------------------------------------------


@pytest.fixture
def crowd(event, standard, place):
    """Four more places: one in, one who left, one cancelled, one never scanned."""
    speaker = TicketTypeFactory(event=event, name="Speaker")
    inside = RegistrationFactory(
        ticket_type=speaker, first_name="Dafydd", last_name="Jones", organisation="Gwynedd"
    )
    left = RegistrationFactory(ticket_type=standard, first_name="Eira", last_name="Hughes")
    cancelled = RegistrationFactory(
        ticket_type=standard, last_name="Zed", state=Registration.State.CANCELLED
    )
    never = RegistrationFactory(ticket_type=standard, first_name="Owain", last_name="Lloyd")
    checkin_scan(event=event, secret=inside.ticket_secret, nonce="c-1")
    checkin_scan(event=event, secret=left.ticket_secret, nonce="c-2")
    checkin_scan(event=event, secret=left.ticket_secret, nonce="c-3", direction="exit")
    return {"in": inside, "out": left, "cancelled": cancelled, "never": never, "place": place}


def test_attendee_search_says_where_each_place_stands(door, event, crowd):
    response = door.get(f"/api/v1/events/{event.slug}/attendees/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[crowd["in"].pk]["checkin_state"] == "in"
    assert by_id[crowd["in"].pk]["checked_in"] is True
    assert by_id[crowd["in"].pk]["ticket_type"] == "Speaker"
    assert by_id[crowd["out"].pk]["checkin_state"] == "out"
    assert by_id[crowd["out"].pk]["checked_in"] is False
    assert by_id[crowd["out"].pk]["last_scan_at"] is not None
    assert by_id[crowd["never"].pk]["checkin_state"] == "never"
    assert by_id[crowd["never"].pk]["last_scan_at"] is None
    assert by_id[crowd["cancelled"].pk]["state"] == "cancelled"
    assert set(body["results"][0]) == {
        "id",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "organisation",
        "ticket_type",
        "access_needs",
        "state",
        "booking_reference",
        "checkin_state",
        "checked_in",
        "last_scan_at",
        "first_entry_at",
    }
    assert "ticket_secret" not in response.content.decode()
    # By surname.
    surnames = [row["last_name"] for row in body["results"]]
    assert surnames == sorted(surnames)


@pytest.mark.parametrize(
    ("query", "who"),
    [("dafydd jones", "in"), ("gwynedd", "in"), ("HUGHES", "out"), ("sirol conwy", "place")],
)
def test_attendee_search_by_name_and_organisation(door, event, crowd, query, who):
    response = door.get(f"/api/v1/events/{event.slug}/attendees/", {"q": query})

    assert [row["id"] for row in response.json()["results"]] == [crowd[who].pk]


def test_attendee_search_by_email_and_booking_reference(door, event, crowd):
    owain = crowd["never"]
    url = f"/api/v1/events/{event.slug}/attendees/"

    by_email = door.get(url, {"q": owain.email}).json()["results"]
    by_reference = door.get(url, {"q": owain.order.reference.lower()}).json()["results"]

    assert [row["id"] for row in by_email] == [owain.pk]
    assert owain.pk in [row["id"] for row in by_reference]
    assert by_reference[0]["booking_reference"] == owain.order.reference


def test_offline_list_has_hashes_and_never_secrets(door, event, crowd):
    transferred = crowd["never"]
    old_secret = transferred.ticket_secret
    registration_transfer(
        registration=transferred,
        to=DelegateDetails(first_name="Nia", last_name="Lloyd", email="nia@conwy.gov.uk"),
    )
    places = Registration.objects.filter(event=event)

    response = door.get(f"/api/v1/events/{event.slug}/attendees/offline/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"event", "generated_at", "count", "places", "retired_secrets"}
    assert body["event"] == event.slug
    assert body["count"] == len(body["places"]) == places.count() == 5
    content = response.content.decode()
    for registration in places:
        assert registration.ticket_secret not in content
        assert registration.email not in content
    assert old_secret not in content
    by_id = {row["id"]: row for row in body["places"]}
    for registration in places:
        row = by_id[registration.pk]
        assert (
            row["secret_sha256"] == hashlib.sha256(registration.ticket_secret.encode()).hexdigest()
        )
        assert row["state"] == registration.state
    assert by_id[crowd["in"].pk]["checked_in"] is True
    assert by_id[crowd["out"].pk]["checkin_state"] == "out"
    assert set(by_id[crowd["in"].pk]) == {
        "id",
        "first_name",
        "last_name",
        "job_title",
        "organisation",
        "ticket_type",
        "access_needs",
        "state",
        "booking_reference",
        "checkin_state",
        "checked_in",
        "secret_sha256",
    }
    assert body["retired_secrets"] == [
        {
            "secret_sha256": hashlib.sha256(old_secret.encode()).hexdigest(),
            "reason": "transferred",
            "place_id": transferred.pk,
        }
    ]


def test_summary_counts(door, event, crowd):
    # An undone entry counts for nothing.
    undone = checkin_scan(event=event, secret=crowd["place"].ticket_secret, nonce="c-4").checkin
    door.post(undo_url(undone.pk))

    response = door.get(f"/api/v1/events/{event.slug}/checkins/summary/")

    assert response.status_code == 200
    # Confirmed: Siân, Dafydd, Eira and Owain; in: Dafydd; came once: Dafydd and Eira.
    assert response.json() == {"in": 1, "expected": 4, "checked_in_ever": 2}


def test_summary_counts_in_one_query(door, event, crowd, django_assert_max_num_queries):
    # One for the device, one for the event, one for the counts.
    with django_assert_max_num_queries(3):
        door.get(f"/api/v1/events/{event.slug}/checkins/summary/")


def test_schema_describes_the_check_in_api(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = json.loads(response.content)["paths"]
    assert {
        "/api/v1/events/{slug}/checkins/",
        "/api/v1/events/{slug}/checkins/summary/",
        "/api/v1/events/{slug}/attendees/",
        "/api/v1/events/{slug}/attendees/offline/",
        "/api/v1/checkins/{id}/undo/",
    } <= set(paths)
    answers = paths["/api/v1/events/{slug}/checkins/"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(answers)


# --- Two devices at once, through HTTP (PostgreSQL) -------------------------------------


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Device {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_devices_scan_one_ticket_at_once_over_http(live_server):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL row locks: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    event = EventFactory()
    ticket = TicketTypeFactory(event=event)
    doors = [
        CheckInDevice.objects.create(event=event, label=label).token
        for label in ("Door A", "Door B")
    ]
    url = f"{live_server.url}{checkins_url(event)}"
    for round_number in range(5):
        place = RegistrationFactory(ticket_type=ticket)
        barrier = threading.Barrier(2)
        answers = []

        def door(token, n, place=place, barrier=barrier, answers=answers):
            try:
                barrier.wait(timeout=10)
                answers.append(
                    _post(url, token, {"secret": place.ticket_secret, "nonce": f"{n}-{place.pk}"})
                )
            finally:
                connections.close_all()

        threads = [threading.Thread(target=door, args=(token, n)) for n, token in enumerate(doors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted((status, body["result"]) for status, body in answers) == [
            (200, "already_checked_in"),
            (201, "ok"),
        ], f"round {round_number}"
        assert CheckIn.objects.filter(registration=place).count() == 1


# --- The devices page ------------------------------------------------------------------


def devices_url(event) -> str:
    return reverse("events:staff_devices", args=[event.slug])


@pytest.fixture
def staff_web(client, staff):
    client.force_login(staff)
    return client


def test_devices_page_lists_the_active_devices_of_the_event(staff_web, event, device):
    CheckInDevice.objects.create(event=event, label="Revoked door", revoked_at=timezone.now())
    CheckInDevice.objects.create(event=EventFactory(), label="Leeds door")

    response = staff_web.get(devices_url(event))

    assert response.status_code == 200
    assert [d.label for d in response.context["devices"]] == ["Main entrance"]
    content = response.content.decode()
    assert "Main entrance" in content
    assert "Revoked door" not in content and "Leeds door" not in content
    # A token is never shown again after it was issued.
    assert device.token not in content


def test_issuing_a_device_shows_its_token_once(staff_web, event, staff):
    response = staff_web.post(devices_url(event), {"label": "  Side door  "})

    assert response.status_code == 302
    device = CheckInDevice.objects.get()
    assert (device.event, device.label, device.issued_by) == (event, "Side door", staff)

    shown = staff_web.get(devices_url(event))
    assert shown["Cache-Control"].startswith("max-age=0")
    content = shown.content.decode()
    assert f"http://testserver/events/{event.slug}/checkin/?device={device.token}" in content
    assert "data:image/svg+xml" in content  # the QR code of the setup link

    assert device.token not in staff_web.get(devices_url(event)).content.decode()


def test_a_device_needs_a_name(staff_web, event):
    response = staff_web.post(devices_url(event), {"label": "   "})

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Enter a name for the device" in content
    assert "<title>Error:" in content
    assert not CheckInDevice.objects.exists()


def test_revoking_a_device_stops_its_token(staff_web, event, device, place):
    url = reverse("events:staff_device_revoke", args=[event.slug, device.pk])

    assert staff_web.get(url).status_code == 405
    response = staff_web.post(url)

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert scan(device_client(device), event, place.ticket_secret, "r-1").status_code == 401


def test_another_events_device_cannot_be_revoked_here(staff_web, event):
    other = CheckInDevice.objects.create(event=EventFactory(), label="Leeds door")

    response = staff_web.post(reverse("events:staff_device_revoke", args=[event.slug, other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_devices_page_needs_the_change_permission(client, event, device):
    assert client.get(devices_url(event)).status_code == 302
    finance = UserFactory(email="finance@digital-leaders.example")
    finance.groups.add(Group.objects.get(name=roles.FINANCE))
    client.force_login(finance)

    assert client.get(devices_url(event)).status_code == 403
    assert client.post(devices_url(event), {"label": "Sneaky"}).status_code == 403
    revoke = reverse("events:staff_device_revoke", args=[event.slug, device.pk])
    assert client.post(revoke).status_code == 403
    assert CheckInDevice.objects.get().revoked_at is None


def test_device_forms_need_csrf(event, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    assert client.post(devices_url(event), {"label": "Side door"}).status_code == 403
    assert not CheckInDevice.objects.exists()
