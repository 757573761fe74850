"""Event staff set events up in the admin."""

import pytest
from django.contrib.auth.models import Group

from events.models import Event
from tests.accounts.factories import UserFactory
from tests.events.factories import (
    EventFactory,
    RegistrationFactory,
    TicketTypeFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Event staff"))
    client.force_login(user)
    return client


def test_changelist_shows_places_taken_and_preview_link(staff_client):
    event = EventFactory(title="Draft conference", status=Event.Status.DRAFT, capacity=80)
    RegistrationFactory.create_batch(2, ticket_type=TicketTypeFactory(event=event))

    response = staff_client.get("/admin/events/event/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "2 / 80" in text
    assert f'href="/events/{event.slug}/"' in text
    # The preview link works for staff although the event is a draft.
    assert staff_client.get(f"/events/{event.slug}/").status_code == 200


def test_add_event_with_ticket_types_and_sessions_inline(staff_client):
    venue = VenueFactory()

    response = staff_client.post(
        "/admin/events/event/add/",
        {
            "title": "Wales regional meeting",
            "slug": "wales-regional-meeting",
            "summary": "Leaders from Wales meet.",
            "body": "",
            "status": "published",
            "starts_at_0": "2030-05-01",
            "starts_at_1": "10:00:00",
            "ends_at_0": "2030-05-01",
            "ends_at_1": "15:00:00",
            "format": "in_person",
            "venue": venue.pk,
            "capacity": "40",
            "cancellation_cutoff_days": "7",
            "ticket_types-TOTAL_FORMS": "1",
            "ticket_types-INITIAL_FORMS": "0",
            "ticket_types-0-name": "Member",
            "ticket_types-0-audience": "member",
            "ticket_types-0-position": "0",
            "ticket_types-0-price_net": "0.00",
            "ticket_types-0-vat_rate": "20.00",
            "ticket_types-0-max_per_booking": "5",
            "sessions-TOTAL_FORMS": "1",
            "sessions-INITIAL_FORMS": "0",
            "sessions-0-title": "Welcome",
            "sessions-0-room": "Council chamber",
            "sessions-0-starts_at_0": "2030-05-01",
            "sessions-0-starts_at_1": "10:00:00",
            "sessions-0-ends_at_0": "2030-05-01",
            "sessions-0-ends_at_1": "10:30:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="wales-regional-meeting")
    assert event.ticket_types.get().name == "Member"
    assert event.sessions.get().room == "Council chamber"


def test_end_before_start_is_refused(staff_client):
    response = staff_client.post(
        "/admin/events/event/add/",
        {
            "title": "Backwards",
            "slug": "backwards",
            "summary": "x",
            "status": "draft",
            "starts_at_0": "2030-05-01",
            "starts_at_1": "15:00:00",
            "ends_at_0": "2030-05-01",
            "ends_at_1": "10:00:00",
            "format": "online",
            "capacity": "40",
            "cancellation_cutoff_days": "7",
            "ticket_types-TOTAL_FORMS": "0",
            "ticket_types-INITIAL_FORMS": "0",
            "sessions-TOTAL_FORMS": "0",
            "sessions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "The event must end after it starts" in response.content.decode()
    assert not Event.objects.filter(slug="backwards").exists()


def test_reserved_slug_is_refused(staff_client):
    response = staff_client.post("/admin/events/event/add/", {"title": "Feed", "slug": "feed"})

    assert "is used by the site itself" in response.content.decode()


def test_moving_a_venue_moves_its_events_in_calendars(staff_client):
    venue = VenueFactory(name="Old hall")
    event = EventFactory(venue=venue)
    before = event.sequence

    response = staff_client.post(
        f"/admin/events/venue/{venue.pk}/change/",
        {
            "name": "Old hall",
            "address": "2 New Street\nManchester",
            "postcode": "M1 1AA",
            "access_information": "",
            "map_url": "",
        },
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.sequence == before + 1


def test_delegate_cannot_use_event_admin(client):
    client.force_login(UserFactory())

    assert client.get("/admin/events/event/").status_code == 302
