"""GET /api/v1/events/ and /api/v1/events/{slug}/: the public events API."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, Registration, TicketType
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.events.factories import (
    EventFactory,
    RegistrationFactory,
    TicketTypeFactory,
    VenueFactory,
    london,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/events/"
NEXT_YEAR = timezone.now().year + 1


def detail_url(event) -> str:
    return f"/api/v1/events/{event.slug}/"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["slug"] for event in response.json()["results"]]


def ticket_names(event_json) -> set[str]:
    return {ticket["name"] for ticket in event_json["ticket_types"]}


def event_with_every_audience(**kwargs) -> Event:
    event = EventFactory(**kwargs)
    TicketTypeFactory(event=event, name="Everyone", audience=TicketType.Audience.EVERYONE)
    TicketTypeFactory(event=event, name="Member", audience=TicketType.Audience.MEMBER)
    TicketTypeFactory(event=event, name="Non-member", audience=TicketType.Audience.NON_MEMBER)
    TicketTypeFactory(event=event, name="Speaker", price_net=Decimal("0.00"), hidden=True)
    return event


def member():
    OrganisationFactory(name="Conwy County Borough Council", domains=["conwy.gov.uk"])
    return UserFactory(email="rhian@conwy.gov.uk")


def non_member():
    return UserFactory(email="sam@supplier.example")


# --- Fields and formats ----------------------------------------------------------


def test_detail_gives_every_field_in_its_documented_format(api_client):
    venue = VenueFactory(
        name="Exchange Hall",
        address="1 Exchange Square\nManchester",
        postcode="M2 3AA",
        access_information="Step-free access.",
        map_url="https://www.openstreetmap.org/search?query=M2%203AA",
    )
    event = EventFactory(
        slug="summit",
        title="Digital leaders summit",
        summary="A day on shared platforms.",
        format=Event.Format.HYBRID,
        venue=venue,
        starts_at=london(NEXT_YEAR, 6, 11, 9, 30),
        ends_at=london(NEXT_YEAR, 6, 11, 17, 0),
        capacity=80,
    )
    ticket = TicketTypeFactory(
        event=event, name="Standard", price_net=Decimal("120.00"), vat_rate=Decimal("20.00")
    )

    response = api_client.get(detail_url(event))

    assert response.status_code == 200
    assert response.json() == {
        "slug": "summit",
        "title": "Digital leaders summit",
        "summary": "A day on shared platforms.",
        "format": "hybrid",
        "status": "published",
        "starts_at": f"{NEXT_YEAR}-06-11T09:30:00+01:00",
        "ends_at": f"{NEXT_YEAR}-06-11T17:00:00+01:00",
        "venue": {
            "name": "Exchange Hall",
            "address": "1 Exchange Square\nManchester",
            "postcode": "M2 3AA",
            "access_information": "Step-free access.",
            "map_url": "https://www.openstreetmap.org/search?query=M2%203AA",
        },
        "places_left": 80,
        "registration_open": True,
        "url": "http://testserver/events/summit/",
        "ics_url": "http://testserver/events/summit.ics",
        "ticket_types": [
            {
                "id": ticket.pk,
                "name": "Standard",
                "audience": "everyone",
                "price_net": "120.00",
                "vat_rate": "20.00",
                "price_gross": "144.00",
                "available": True,
            }
        ],
    }


def test_times_carry_the_london_offset_in_winter_too(api_client):
    event = EventFactory(
        starts_at=london(NEXT_YEAR, 1, 15, 9, 30), ends_at=london(NEXT_YEAR, 1, 15, 16, 0)
    )

    body = api_client.get(detail_url(event)).json()

    assert body["starts_at"] == f"{NEXT_YEAR}-01-15T09:30:00+00:00"
    assert body["ends_at"] == f"{NEXT_YEAR}-01-15T16:00:00+00:00"


def test_list_gives_the_same_fields_as_the_detail(api_client):
    event = EventFactory(starts_at=london(NEXT_YEAR, 6, 11, 9, 30))
    TicketTypeFactory(event=event, price_net=Decimal("99.99"), vat_rate=Decimal("20.00"))

    listed = api_client.get(LIST_URL).json()
    detail = api_client.get(detail_url(event)).json()

    assert listed["count"] == 1
    assert listed["results"] == [detail]
    assert detail["ticket_types"][0]["price_gross"] == "119.99"
    assert detail["starts_at"] == f"{NEXT_YEAR}-06-11T09:30:00+01:00"


def test_online_event_has_no_venue(api_client):
    event = EventFactory(format=Event.Format.ONLINE, venue=None)

    assert api_client.get(detail_url(event)).json()["venue"] is None


def test_free_ticket_prices_are_zero_strings(api_client):
    event = EventFactory()
    TicketTypeFactory(event=event, price_net=Decimal("0"), vat_rate=Decimal("0"))

    ticket = api_client.get(detail_url(event)).json()["ticket_types"][0]

    assert (ticket["price_net"], ticket["vat_rate"], ticket["price_gross"]) == (
        "0.00",
        "0.00",
        "0.00",
    )


# --- Published only ---------------------------------------------------------------


def test_list_shows_only_upcoming_published_events_soonest_first(api_client):
    later = EventFactory(slug="later", starts_at=london(NEXT_YEAR, 3, 1))
    sooner = EventFactory(slug="sooner", starts_at=london(NEXT_YEAR, 2, 1))
    EventFactory(slug="draft", status=Event.Status.DRAFT)
    EventFactory(slug="cancelled", status=Event.Status.CANCELLED)
    past_start = timezone.now() - datetime.timedelta(days=30)
    EventFactory(
        slug="past", starts_at=past_start, ends_at=past_start + datetime.timedelta(hours=2)
    )

    assert slugs(api_client.get(LIST_URL)) == [sooner.slug, later.slug]


@pytest.mark.parametrize("who", ["anonymous", "staff", "superuser"])
def test_draft_is_not_found_for_anyone(api_client, who):
    draft = EventFactory(status=Event.Status.DRAFT)
    if who == "staff":
        user = UserFactory(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="change_event"))
        api_client.force_authenticate(user)
    elif who == "superuser":
        api_client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))

    response = api_client.get(detail_url(draft))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert draft.slug not in slugs(api_client.get(LIST_URL))


def test_unknown_slug_is_not_found(api_client):
    response = api_client.get("/api/v1/events/no-such-event/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_cancelled_event_is_shown_by_slug_as_cancelled_and_closed(api_client):
    event = EventFactory(status=Event.Status.CANCELLED)
    TicketTypeFactory(event=event)

    body = api_client.get(detail_url(event)).json()

    assert body["status"] == "cancelled"
    assert body["registration_open"] is False
    assert [t["available"] for t in body["ticket_types"]] == [False]


def test_past_published_event_is_shown_by_slug_with_registration_closed(api_client):
    start = timezone.now() - datetime.timedelta(days=3)
    event = EventFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=6))

    response = api_client.get(detail_url(event))

    assert response.status_code == 200
    assert response.json()["registration_open"] is False


# --- Whose ticket types -------------------------------------------------------------


def test_anonymous_caller_sees_every_public_ticket_type(api_client):
    event = event_with_every_audience()

    detail = api_client.get(detail_url(event)).json()
    listed = api_client.get(LIST_URL).json()["results"][0]

    assert ticket_names(detail) == {"Everyone", "Member", "Non-member"}
    assert ticket_names(listed) == {"Everyone", "Member", "Non-member"}


def test_member_sees_member_prices_and_not_non_member_prices(api_client):
    event = event_with_every_audience()
    api_client.force_authenticate(member())

    detail = api_client.get(detail_url(event)).json()
    listed = api_client.get(LIST_URL).json()["results"][0]

    assert ticket_names(detail) == {"Everyone", "Member"}
    assert ticket_names(listed) == {"Everyone", "Member"}


def test_non_member_sees_non_member_prices_and_not_member_prices(api_client):
    event = event_with_every_audience()
    api_client.force_authenticate(non_member())

    detail = api_client.get(detail_url(event)).json()
    listed = api_client.get(LIST_URL).json()["results"][0]

    assert ticket_names(detail) == {"Everyone", "Non-member"}
    assert ticket_names(listed) == {"Everyone", "Non-member"}


def test_member_is_recognised_through_a_token_too(api_client):
    from rest_framework.authtoken.models import Token

    event = event_with_every_audience()
    token = Token.objects.create(user=member())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert ticket_names(api_client.get(detail_url(event)).json()) == {"Everyone", "Member"}


def test_ticket_types_come_in_the_organisers_order(api_client):
    event = EventFactory()
    TicketTypeFactory(event=event, name="Second", position=2, price_net=Decimal("10"))
    TicketTypeFactory(event=event, name="First", position=1, price_net=Decimal("500"))

    names = [t["name"] for t in api_client.get(detail_url(event)).json()["ticket_types"]]

    assert names == ["First", "Second"]


def test_ticket_type_off_sale_or_sold_out_is_listed_as_unavailable(api_client):
    event = EventFactory(capacity=50)
    TicketTypeFactory(
        event=event,
        name="Early bird",
        on_sale_until=timezone.now() - datetime.timedelta(days=1),
    )
    sold_out = TicketTypeFactory(event=event, name="Table", capacity=1)
    RegistrationFactory(ticket_type=sold_out)
    TicketTypeFactory(event=event, name="Standard")

    for body in (
        api_client.get(detail_url(event)).json(),
        api_client.get(LIST_URL).json()["results"][0],
    ):
        available = {t["name"]: t["available"] for t in body["ticket_types"]}
        assert available == {"Early bird": False, "Table": False, "Standard": True}


# --- Places -----------------------------------------------------------------------


def test_places_left_falls_as_places_are_taken(api_client):
    event = EventFactory(capacity=10)
    ticket = TicketTypeFactory(event=event)

    assert api_client.get(detail_url(event)).json()["places_left"] == 10

    RegistrationFactory.create_batch(3, ticket_type=ticket)
    RegistrationFactory(ticket_type=ticket, state=Registration.State.CANCELLED)

    assert api_client.get(detail_url(event)).json()["places_left"] == 7
    assert api_client.get(LIST_URL).json()["results"][0]["places_left"] == 7


def test_full_event_is_not_open_for_registration(api_client):
    event = EventFactory(capacity=2)
    ticket = TicketTypeFactory(event=event)
    RegistrationFactory.create_batch(2, ticket_type=ticket)

    for body in (
        api_client.get(detail_url(event)).json(),
        api_client.get(LIST_URL).json()["results"][0],
    ):
        assert body["places_left"] == 0
        assert body["registration_open"] is False
        assert body["ticket_types"][0]["available"] is False


def test_registration_not_yet_open_is_reported_closed(api_client):
    event = EventFactory(registration_opens_at=timezone.now() + datetime.timedelta(days=2))

    assert api_client.get(detail_url(event)).json()["registration_open"] is False


# --- Filters -----------------------------------------------------------------------


def test_month_filter(api_client):
    EventFactory(slug="june", starts_at=london(NEXT_YEAR, 6, 30, 18))
    EventFactory(slug="july", starts_at=london(NEXT_YEAR, 7, 1, 9))

    assert slugs(api_client.get(LIST_URL, {"month": f"{NEXT_YEAR}-06"})) == ["june"]
    assert slugs(api_client.get(LIST_URL, {"month": f"{NEXT_YEAR}-07"})) == ["july"]


def test_format_filter_is_repeatable(api_client):
    EventFactory(slug="in-person", format=Event.Format.IN_PERSON)
    EventFactory(slug="online", format=Event.Format.ONLINE, venue=None)
    EventFactory(slug="hybrid", format=Event.Format.HYBRID)

    assert slugs(api_client.get(LIST_URL, {"format": "online"})) == ["online"]
    both = slugs(api_client.get(f"{LIST_URL}?format=online&format=hybrid"))
    assert sorted(both) == ["hybrid", "online"]


def test_price_filter(api_client):
    free = EventFactory(slug="free")
    TicketTypeFactory(event=free, price_net=Decimal("0.00"))
    paid = EventFactory(slug="paid")
    TicketTypeFactory(event=paid, price_net=Decimal("50.00"))

    assert slugs(api_client.get(LIST_URL, {"price": "free"})) == ["free"]
    assert slugs(api_client.get(LIST_URL, {"price": "paid"})) == ["paid"]


def test_search_filter(api_client):
    EventFactory(slug="cyber", title="Cyber resilience for councils")
    EventFactory(slug="data", title="Data sharing in the NHS")

    assert slugs(api_client.get(LIST_URL, {"q": "cyber"})) == ["cyber"]
    assert sorted(slugs(api_client.get(LIST_URL, {"q": ""}))) == ["cyber", "data"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "June"}, "month"),
        ({"month": "9999-12"}, "month"),
        ({"format": "zoom"}, "format"),
        ({"price": "cheap"}, "price"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filter_is_a_400_in_the_standard_error_shape(api_client, params, field):
    response = api_client.get(LIST_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert list(body["errors"]) == [field]


# --- Schema and cost ---------------------------------------------------------------


def test_schema_documents_both_paths_and_the_filters(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    listing = schema["paths"]["/api/v1/events/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"month", "format", "price", "q"}
    assert listing["tags"] == ["events"]
    assert "/api/v1/events/{slug}/" in schema["paths"]
    ticket = schema["components"]["schemas"]["TicketType"]["properties"]
    assert ticket["price_gross"]["format"] == "decimal"


def _list_queries(api_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(LIST_URL)
    assert response.status_code == 200
    return len(queries)


def _seed_events(n: int):
    for _ in range(n):
        event = event_with_every_audience()
        RegistrationFactory(ticket_type=event.ticket_types.first())


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_list_costs_the_same_queries_for_3_or_30_events(api_client, who):
    if who == "member":
        api_client.force_authenticate(member())
    _seed_events(3)
    with_three = _list_queries(api_client)

    _seed_events(27)
    with_thirty = _list_queries(api_client)

    assert with_thirty == with_three
    assert with_three <= 6
