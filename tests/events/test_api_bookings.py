"""The bookings API: POST/GET /api/v1/bookings/, cancel, and place transfers."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import DiscountCode, Event, Registration, RetiredTicketSecret, TicketType
from payments.models import Order
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"
PASSWORD = "correct-horse-battery"


def detail_url(reference: str) -> str:
    return f"{URL}{reference}/"


def cancel_url(reference: str) -> str:
    return f"{URL}{reference}/cancel/"


def transfer_url(place_id: int) -> str:
    return f"/api/v1/places/{place_id}/transfer/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def delegate(ticket: TicketType, n: int = 1, **overrides) -> dict:
    return {
        "ticket_type": ticket.pk,
        "first_name": f"Delegate{n}",
        "last_name": "Jones",
        "email": f"delegate{n}@conwy.gov.uk",
        "job_title": "Head of Digital",
        "organisation": "Conwy County Borough Council",
        "dietary": "Vegetarian",
        "access_needs": "",
        **overrides,
    }


BILLING = {
    "organisation": "Conwy County Borough Council",
    "address": "Bodlondeb\nConwy",
    "postcode": "ll32 8dU",
    "vat_number": "",
}


def booking(ticket: TicketType, *, places: int = 1, payment_method="invoice", **overrides) -> dict:
    return {
        "event": ticket.event.slug,
        "payment_method": payment_method,
        "purchase_order": "PO-4471",
        "billing": BILLING,
        "discount_code": None,
        "delegates": [delegate(ticket, n) for n in range(1, places + 1)],
        **overrides,
    }


def written() -> tuple[int, int]:
    return Order.objects.count(), Registration.objects.count()


@pytest.fixture
def booker():
    return UserFactory(email="rhian@conwy.gov.uk", full_name="Rhian Pritchard")


@pytest.fixture
def ticket():
    return TicketTypeFactory(
        event=EventFactory(slug="summit", capacity=10),
        price_net=Decimal("100.00"),
        vat_rate=Decimal("20.00"),
    )


# --- Booking ----------------------------------------------------------------------


def test_token_holder_books_two_delegates_by_invoice(api_client, booker, ticket):
    token = api_client.post(
        "/api/v1/auth/token/", {"email": booker.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.post(URL, booking(ticket, places=2), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"  # An invoice order waits for its payment...
    assert body["event"] == "summit"
    assert body["payment_method"] == "invoice"
    assert (body["total_net"], body["total_vat"], body["total_gross"]) == (
        "200.00",
        "40.00",
        "240.00",
    )
    assert response["Location"].endswith(detail_url(body["reference"]))
    places = body["places"]
    assert [(p["first_name"], p["email"], p["ticket_type"]) for p in places] == [
        ("Delegate1", "delegate1@conwy.gov.uk", ticket.pk),
        ("Delegate2", "delegate2@conwy.gov.uk", ticket.pk),
    ]
    assert {p["state"] for p in places} == {"confirmed"}  # ...but its places are confirmed.
    secrets = [p["ticket_secret"] for p in places]
    assert len(set(secrets)) == 2 and all(len(s) >= 43 for s in secrets)

    order = Order.objects.get(reference=body["reference"])
    assert order.booker == booker
    assert (order.booker_name, order.booker_email) == ("Rhian Pritchard", "rhian@conwy.gov.uk")
    assert (order.purchase_order, order.billing_postcode) == ("PO-4471", "LL32 8DU")
    assert order.billing_organisation == "Conwy County Borough Council"
    saved = {r.pk: r for r in order.event_registrations.all()}
    assert {saved[p["id"]].ticket_secret for p in places} == set(secrets)
    assert {r.state for r in saved.values()} == {Registration.State.CONFIRMED}


def test_free_event_booking_is_paid_at_once(booker):
    free = TicketTypeFactory(name="Place", price_net=Decimal("0.00"))

    response = client_for(booker).post(
        URL, booking(free, payment_method="free", billing=None), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "paid"
    assert body["total_gross"] == "0.00"
    assert body["places"][0]["state"] == "confirmed"
    assert body["places"][0]["ticket_secret"]


def test_card_booking_holds_pending_places(booker, ticket):
    response = client_for(booker).post(
        URL, booking(ticket, payment_method="card", billing=None), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["expires_at"] is not None
    assert [p["state"] for p in body["places"]] == ["pending"]
    assert Registration.objects.get().state == Registration.State.PENDING


def test_no_room_is_409_sold_out_and_writes_nothing(booker):
    ticket = TicketTypeFactory(event=EventFactory(capacity=2))
    RegistrationFactory(ticket_type=ticket)
    before = written()

    response = client_for(booker).post(URL, booking(ticket, places=2), format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "Only 1 place left at this event.", "code": "sold_out"}
    assert written() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body.pop("delegates"), "delegates"),
        (lambda body: body.update(delegates=[]), "delegates"),
        (lambda body: body["delegates"][0].update(email="not-an-email"), "delegates"),
        (lambda body: body["delegates"][0].pop("last_name"), "delegates"),
        (lambda body: body["delegates"][0].update(ticket_type="standard"), "delegates"),
        (lambda body: body.update(payment_method="cheque"), "payment_method"),
        (lambda body: body.update(billing=None), "billing"),
        (lambda body: body.update(billing={**BILLING, "postcode": " "}), "billing"),
        (lambda body: body.update(event="no-such-event"), "event"),
    ],
    ids=[
        "missing delegates",
        "no delegates",
        "bad email",
        "missing last name",
        "ticket type not a number",
        "bad payment method",
        "invoice without billing",
        "invoice without postcode",
        "unknown event",
    ],
)
def test_bad_input_is_400_with_field_errors_and_writes_nothing(booker, ticket, change, field):
    body = booking(ticket)
    change(body)
    before = written()

    response = client_for(booker).post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert written() == before


def test_field_errors_say_which_delegate_and_which_field(booker, ticket):
    body = booking(ticket, places=2)
    body["delegates"][1]["email"] = "rhian-at-conwy"

    errors = client_for(booker).post(URL, body, format="json").json()["errors"]

    assert errors == {"delegates": {"1": {"email": ["Enter a valid email address."]}}}


def test_invoice_without_billing_says_what_is_missing(booker, ticket):
    response = client_for(booker).post(
        URL, booking(ticket, billing={"organisation": "Conwy"}), format="json"
    )

    assert response.json()["errors"] == {
        "billing": {
            "address": ["Enter this to be invoiced."],
            "postcode": ["Enter this to be invoiced."],
        }
    }


def test_draft_event_is_not_found_for_booking(booker):
    draft = TicketTypeFactory(event=EventFactory(slug="secret-plans", status=Event.Status.DRAFT))

    response = client_for(booker).post(URL, booking(draft), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"event": ["There is no event “secret-plans”."]}


def test_free_method_for_paid_places_is_400_and_writes_nothing(booker, ticket):
    before = written()

    response = client_for(booker).post(
        URL, booking(ticket, payment_method="free", billing=None), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "payment_method_required"
    assert written() == before


def test_members_ticket_for_non_member_is_403(booker):
    members = TicketTypeFactory(name="Member", audience=TicketType.Audience.MEMBER)
    before = written()

    response = client_for(booker).post(URL, booking(members), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "members_only"
    assert written() == before


def test_members_ticket_for_member(ticket):
    OrganisationFactory(name="Conwy County Borough Council", domains=["conwy.gov.uk"])
    members = TicketTypeFactory(event=ticket.event, audience=TicketType.Audience.MEMBER)
    member = UserFactory(email="gwen@conwy.gov.uk")

    response = client_for(member).post(URL, booking(members), format="json")

    assert response.status_code == 201, response.content


def test_ticket_of_another_event_is_400(booker, ticket):
    other = TicketTypeFactory()
    body = booking(ticket)
    body["delegates"][0]["ticket_type"] = other.pk

    response = client_for(booker).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "ticket_unavailable"


def test_discount_code_is_applied_once_then_used_up(booker, ticket):
    DiscountCode.objects.create(
        code="council50", kind=DiscountCode.Kind.PERCENT, value=50, usage_limit=1
    )
    client = client_for(booker)

    first = client.post(URL, booking(ticket, places=2, discount_code="COUNCIL50"), format="json")
    before = written()
    second = client.post(URL, booking(ticket, discount_code="council50"), format="json")

    assert first.status_code == 201, first.content
    assert (first.json()["total_net"], first.json()["total_gross"]) == ("100.00", "120.00")
    assert second.status_code == 409
    assert second.json()["code"] == "discount_code_used_up"
    assert written() == before


def test_unknown_discount_code_is_400(booker, ticket):
    response = client_for(booker).post(URL, booking(ticket, discount_code="NOPE"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_discount_code"


# --- Reading your bookings ----------------------------------------------------------


def test_list_and_detail_show_only_your_own_bookings(booker, ticket):
    someone = UserFactory(email="sam@supplier.example")
    mine = client_for(booker).post(URL, booking(ticket), format="json").json()
    theirs = client_for(someone).post(URL, booking(ticket), format="json").json()
    OrderFactory(booker=booker)  # An order without places at an event (the academy's).

    listed = client_for(booker).get(URL)
    detail = client_for(booker).get(detail_url(mine["reference"]))
    other = client_for(booker).get(detail_url(theirs["reference"]))

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert [b["reference"] for b in listed.json()["results"]] == [mine["reference"]]
    assert detail.status_code == 200
    assert detail.json() == mine
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"


def test_list_is_newest_first(booker, ticket):
    client = client_for(booker)
    first = client.post(URL, booking(ticket), format="json").json()["reference"]
    second = client.post(URL, booking(ticket), format="json").json()["reference"]

    results = client.get(URL).json()["results"]

    assert [b["reference"] for b in results] == [second, first]


def test_anonymous_callers_are_told_to_authenticate(api_client, ticket):
    order = OrderFactory()
    place = RegistrationFactory(ticket_type=ticket, order=order)
    calls = [
        ("get", URL),
        ("post", URL),
        ("get", detail_url(order.reference)),
        ("post", cancel_url(order.reference)),
        ("post", transfer_url(place.pk)),
    ]
    for method, url in calls:
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")


# --- Cancelling -------------------------------------------------------------------


def test_cancel_cancels_every_live_place(booker, ticket):
    client = client_for(booker)
    reference = client.post(URL, booking(ticket, places=2), format="json").json()["reference"]

    response = client.post(cancel_url(reference))

    assert response.status_code == 200, response.content
    places = response.json()["places"]
    assert [p["state"] for p in places] == ["cancelled", "cancelled"]
    assert [p["ticket_secret"] for p in places] == [None, None]
    assert set(Registration.objects.values_list("state", flat=True)) == {"cancelled"}
    again = client.post(cancel_url(reference))
    assert again.status_code == 409
    assert again.json()["code"] == "change_not_allowed"


def test_cancelling_a_card_booking_cancels_its_order(booker, ticket):
    client = client_for(booker)
    body = booking(ticket, payment_method="card", billing=None)
    reference = client.post(URL, body, format="json").json()["reference"]

    response = client.post(cancel_url(reference))

    assert response.json()["status"] == "cancelled"


def test_cancel_after_the_cut_off_is_409_and_changes_nothing(booker):
    soon = timezone.now() + datetime.timedelta(days=3)
    ticket = TicketTypeFactory(
        event=EventFactory(
            starts_at=soon, ends_at=soon + datetime.timedelta(hours=6), cancellation_cutoff_days=7
        )
    )
    client = client_for(booker)
    reference = client.post(URL, booking(ticket, places=2), format="json").json()["reference"]

    response = client.post(cancel_url(reference))

    assert response.status_code == 409
    assert response.json()["code"] == "change_not_allowed"
    assert "can no longer be cancelled" in response.json()["detail"]
    assert set(Registration.objects.values_list("state", flat=True)) == {"confirmed"}


def test_cancel_of_someone_elses_booking_is_404(booker, ticket):
    theirs = client_for(UserFactory()).post(URL, booking(ticket), format="json").json()

    response = client_for(booker).post(cancel_url(theirs["reference"]))

    assert response.status_code == 404
    assert Registration.objects.get().state == Registration.State.CONFIRMED


# --- Transferring -----------------------------------------------------------------

COLLEAGUE = {
    "first_name": "Gwen",
    "last_name": "Evans",
    "email": "Gwen.Evans@conwy.gov.uk",
    "job_title": "Service designer",
}


def test_booker_transfers_a_place_and_gets_its_new_secret(booker, ticket):
    client = client_for(booker)
    place = client.post(URL, booking(ticket), format="json").json()["places"][0]

    response = client.post(transfer_url(place["id"]), COLLEAGUE, format="json")

    assert response.status_code == 200, response.content
    moved = response.json()
    assert (moved["id"], moved["first_name"], moved["email"]) == (
        place["id"],
        "Gwen",
        "gwen.evans@conwy.gov.uk",
    )
    assert moved["ticket_secret"] and moved["ticket_secret"] != place["ticket_secret"]
    assert Registration.objects.get().ticket_secret == moved["ticket_secret"]
    assert RetiredTicketSecret.objects.get().secret == place["ticket_secret"]


def test_delegate_transfers_their_place_but_does_not_see_the_new_secret(booker, ticket):
    place = client_for(booker).post(URL, booking(ticket), format="json").json()["places"][0]
    delegate_user = UserFactory(email="delegate1@conwy.gov.uk")  # The address booked for.

    response = client_for(delegate_user).post(transfer_url(place["id"]), COLLEAGUE, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "gwen.evans@conwy.gov.uk"
    assert response.json()["ticket_secret"] is None
    assert RetiredTicketSecret.objects.filter(secret=place["ticket_secret"]).exists()


def test_strangers_cannot_transfer_a_place(booker, ticket):
    place = client_for(booker).post(URL, booking(ticket), format="json").json()["places"][0]
    unverified = UserFactory(email="delegate1@conwy.gov.uk", verified=False)

    for stranger in (UserFactory(email="sam@supplier.example"), unverified):
        response = client_for(stranger).post(transfer_url(place["id"]), COLLEAGUE, format="json")
        assert response.status_code == 404

    assert Registration.objects.get().ticket_secret == place["ticket_secret"]
    assert not RetiredTicketSecret.objects.exists()


def test_transfer_with_bad_details_is_400(booker, ticket):
    client = client_for(booker)
    place = client.post(URL, booking(ticket), format="json").json()["places"][0]

    response = client.post(transfer_url(place["id"]), {**COLLEAGUE, "email": "x"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert Registration.objects.get().ticket_secret == place["ticket_secret"]


def test_transfer_after_the_cut_off_is_409(booker):
    soon = timezone.now() + datetime.timedelta(days=2)
    ticket = TicketTypeFactory(
        event=EventFactory(starts_at=soon, ends_at=soon + datetime.timedelta(hours=6))
    )
    client = client_for(booker)
    place = client.post(URL, booking(ticket), format="json").json()["places"][0]

    response = client.post(transfer_url(place["id"]), COLLEAGUE, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "change_not_allowed"
    assert Registration.objects.get().ticket_secret == place["ticket_secret"]


# --- Schema -----------------------------------------------------------------------


def test_schema_documents_the_bookings_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/bookings/"])
    assert "get" in paths["/api/v1/bookings/{reference}/"]
    assert "post" in paths["/api/v1/bookings/{reference}/cancel/"]
    assert "post" in paths["/api/v1/places/{id}/transfer/"]
    create = paths["/api/v1/bookings/"]["post"]
    assert {"201", "400", "401", "403", "409"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BookingCreateRequest"
    }


# --- Concurrency through HTTP (PostgreSQL only) --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_clients_race_for_the_last_five_places_over_http(live_server):
    if connection.vendor != "postgresql":
        pytest.skip(
            "DATABASE_URL is not PostgreSQL: this test needs real row locks "
            f"(the database is {connection.vendor})."
        )
    import requests

    ticket = TicketTypeFactory(event=EventFactory(capacity=25), price_net=Decimal("0.00"))
    for _ in range(20):
        RegistrationFactory(ticket_type=ticket)
    tokens = [
        Token.objects.create(user=UserFactory(email=f"racer{n}@example.net")).key
        for n in range(20)
    ]
    before = Registration.objects.count()
    start = threading.Barrier(len(tokens))
    answers: list[tuple[int, str]] = []

    def book(n: int, key: str) -> None:
        try:
            body = booking(ticket, payment_method="free", billing=None)
            body["delegates"][0]["email"] = f"racer{n}@example.net"
            start.wait(timeout=30)
            response = requests.post(
                f"{live_server.url}{URL}",
                json=body,
                headers={"Authorization": f"Token {key}"},
                timeout=60,
            )
            answers.append((response.status_code, response.json().get("code", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(n, key)) for n, key in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(answers) == [(201, "")] * 5 + [(409, "sold_out")] * 15
    assert Registration.objects.count() - before == 5
    assert Registration.objects.filter(ticket_type=ticket).count() == 25
