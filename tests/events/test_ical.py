"""The .ics download and the public calendar feed, parsed back as a calendar app would."""

import datetime

import icalendar
import pytest
import vobject
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import ical
from events.models import Event, Venue
from tests.accounts.factories import UserFactory
from tests.events.factories import (
    EventFactory,
    SessionFactory,
    SpeakerFactory,
    VenueFactory,
    london,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SITE_URL = "https://events.digital-leaders.example"
FEED_URL = "/events/feed.ics"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.NETWORK_NAME = "Digital Leaders Network"
    settings.SERVICE_NAME = "Digital Leaders Events"


def ics_url(event, **query):
    url = reverse("events:ics", kwargs={"slug": event.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def fetch(client, url, **headers) -> icalendar.Calendar:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.content)


def only_vevent(calendar: icalendar.Calendar) -> icalendar.Event:
    [vevent] = calendar.events
    return vevent


def unfolded(content: bytes) -> str:
    # Long lines are folded at 75 octets; unfold before searching the text.
    return content.replace(b"\r\n ", b"").decode()


def reload(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def seconds(moment: datetime.datetime) -> datetime.datetime:
    # iCalendar date-times have whole seconds.
    return moment.replace(microsecond=0)


def event_url(event) -> str:
    return f"{SITE_URL}/events/{event.slug}/"


# One event's .ics


def test_event_ics_is_a_calendar_download(client):
    event = EventFactory(slug="digital-leaders-north-west")

    response = client.get(ics_url(event))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="digital-leaders-north-west.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["PRODID"] == "-//Digital Leaders Network//Events//EN"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert len(calendar.events) == 1


def test_event_ics_describes_the_event_field_by_field(client):
    venue = VenueFactory(name="Manchester Central", address="Windmill Street\nManchester")
    event = EventFactory(
        title="Digital leaders North West",
        summary="Leaders from councils and the NHS share what works.",
        venue=venue,
        starts_at=london(2026, 6, 10, 9, 30),
        ends_at=london(2026, 6, 10, 16, 30),
    )
    before = seconds(timezone.now())

    vevent = only_vevent(fetch(client, ics_url(event)))

    after = timezone.now()
    assert vevent["UID"] == f"event-{event.pk}@events.digital-leaders.example"
    assert vevent.start == datetime.datetime(2026, 6, 10, 8, 30, tzinfo=UTC)
    assert vevent.end == datetime.datetime(2026, 6, 10, 15, 30, tzinfo=UTC)
    # Local London times with a TZID, not floating or UTC times.
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent["DTEND"].params["TZID"] == "Europe/London"
    assert vevent["SUMMARY"] == "Digital leaders North West"
    assert vevent["LOCATION"] == "Manchester Central, Windmill Street, Manchester, M2 3AA"
    assert vevent["URL"] == event_url(event)
    assert vevent["DESCRIPTION"] == (
        f"Leaders from councils and the NHS share what works.\n\n{event_url(event)}"
    )
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["SEQUENCE"] == 0
    assert before <= vevent.stamp <= after
    assert vevent.stamp.tzinfo is not None and vevent.stamp.utcoffset() == datetime.timedelta()
    assert vevent.last_modified == seconds(event.updated_at)
    assert "ORGANIZER" not in vevent and "ATTENDEE" not in vevent


def test_an_event_across_the_end_of_british_summer_time_keeps_its_instants(client):
    # Clocks go back at 02:00 on 25 October 2026: the start is BST, the end GMT.
    event = EventFactory(starts_at=london(2026, 10, 24, 18), ends_at=london(2026, 10, 25, 10))

    response = client.get(ics_url(event))

    calendar = icalendar.Calendar.from_ical(response.content)
    vevent = only_vevent(calendar)
    assert vevent.start == datetime.datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
    assert vevent.end == datetime.datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
    assert "DTSTART;TZID=Europe/London:20261024T180000" in unfolded(response.content)
    assert "DTEND;TZID=Europe/London:20261025T100000" in unfolded(response.content)
    # A client without its own tz database relies on the VTIMEZONE alone.
    [vtimezone] = calendar.timezones
    own_rules = vtimezone.to_tz(lookup_tzid=False)
    start = datetime.datetime(2026, 10, 24, 18, tzinfo=own_rules)
    end = datetime.datetime(2026, 10, 25, 10, tzinfo=own_rules)
    assert start.astimezone(UTC) == datetime.datetime(2026, 10, 24, 17, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime.datetime(2026, 10, 25, 10, tzinfo=UTC)


def test_times_are_london_times_whatever_timezone_is_active():
    event = EventFactory(starts_at=london(2026, 6, 10, 9, 30), ends_at=london(2026, 6, 10, 17))

    with timezone.override("America/New_York"):
        calendar = icalendar.Calendar.from_ical(ical.event_calendar(event=event))

    vevent = only_vevent(calendar)
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent.start == datetime.datetime(2026, 6, 10, 8, 30, tzinfo=UTC)
    assert [tz["TZID"] for tz in calendar.timezones] == ["Europe/London"]


def test_sequence_rises_when_the_start_time_changes(client):
    event = EventFactory(starts_at=london(2026, 6, 10, 9), ends_at=london(2026, 6, 10, 17))
    first = only_vevent(fetch(client, ics_url(event)))

    event = reload(event)
    event.starts_at = london(2026, 6, 10, 10)
    event.save()
    second = only_vevent(fetch(client, ics_url(event)))

    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second["UID"] == first["UID"]
    assert second.start == datetime.datetime(2026, 6, 10, 9, tzinfo=UTC)


def test_sequence_rises_when_the_venue_changes(client):
    event = EventFactory()
    first = only_vevent(fetch(client, ics_url(event)))

    event = reload(event)
    event.venue = VenueFactory(name="Leeds Civic Hall", address="Calverley Street\nLeeds")
    event.save()
    second = only_vevent(fetch(client, ics_url(event)))

    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second["UID"] == first["UID"]
    assert second["LOCATION"].startswith("Leeds Civic Hall, Calverley Street, Leeds")


def test_cancelling_raises_sequence_and_marks_the_event_cancelled(client):
    event = EventFactory(title="Cyber resilience day")
    first = only_vevent(fetch(client, ics_url(event)))

    event = reload(event)
    event.status = Event.Status.CANCELLED
    event.save()
    second = only_vevent(fetch(client, ics_url(event)))

    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second["STATUS"] == "CANCELLED"
    assert second["UID"] == first["UID"]
    # Some clients ignore STATUS in subscribed calendars; the title says it too.
    assert second["SUMMARY"] == "Cancelled: Cyber resilience day"


def test_sequence_stays_when_only_the_summary_changes(client):
    event = EventFactory()
    first = only_vevent(fetch(client, ics_url(event)))

    event = reload(event)
    event.summary = "A new blurb for the listing."
    event.save()
    second = only_vevent(fetch(client, ics_url(event)))

    assert second["SEQUENCE"] == first["SEQUENCE"] == 0
    assert second["UID"] == first["UID"]
    assert second["DESCRIPTION"].startswith("A new blurb for the listing.")


def test_last_modified_follows_a_change_to_the_venue(client):
    event = EventFactory()
    Event.objects.filter(pk=event.pk).update(
        updated_at=datetime.datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    # A new address changes LOCATION, though not the time or the place chosen.
    Venue.objects.filter(pk=event.venue_id).update(
        address="2 Exchange Square\nManchester",
        updated_at=datetime.datetime(2026, 3, 5, 11, tzinfo=UTC),
    )

    vevent = only_vevent(fetch(client, ics_url(event)))

    assert vevent.last_modified == datetime.datetime(2026, 3, 5, 11, tzinfo=UTC)
    assert "2 Exchange Square" in vevent["LOCATION"]


def test_sessions_are_added_only_when_asked_for(client):
    event = EventFactory(
        title="Digital leaders North West",
        starts_at=london(2026, 6, 10, 9),
        ends_at=london(2026, 6, 10, 17),
    )
    keynote = SessionFactory(
        event=event,
        title="Keynote",
        description="Where councils go next.",
        starts_at=london(2026, 6, 10, 9, 30),
        ends_at=london(2026, 6, 10, 10, 15),
        room="Main hall",
    )
    keynote.speakers.add(
        SpeakerFactory(
            name="Priya Shah", role="Chief Digital Officer", organisation="Leeds City Council"
        )
    )
    workshop = SessionFactory(
        event=event,
        title="Workshop",
        starts_at=london(2026, 6, 10, 11),
        ends_at=london(2026, 6, 10, 12),
        room="Room 2",
    )

    assert len(fetch(client, ics_url(event)).events) == 1
    calendar = fetch(client, ics_url(event, sessions=1))

    _, *session_vevents = calendar.events
    assert len(session_vevents) == 2
    uids = [vevent["UID"] for vevent in calendar.events]
    assert uids == [
        f"event-{event.pk}@events.digital-leaders.example",
        f"session-{keynote.pk}@events.digital-leaders.example",
        f"session-{workshop.pk}@events.digital-leaders.example",
    ]
    first = session_vevents[0]
    assert first["SUMMARY"] == "Keynote (Digital leaders North West)"
    assert first.start == datetime.datetime(2026, 6, 10, 8, 30, tzinfo=UTC)
    assert first.end == datetime.datetime(2026, 6, 10, 9, 15, tzinfo=UTC)
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first["LOCATION"].startswith("Main hall, ")
    assert event.venue.name in first["LOCATION"]
    assert "Where councils go next." in first["DESCRIPTION"]
    assert "Priya Shah, Chief Digital Officer, Leeds City Council" in first["DESCRIPTION"]
    assert first["URL"] == event_url(event)
    assert first["STATUS"] == "CONFIRMED"
    assert session_vevents[1]["LOCATION"].startswith("Room 2, ")
    assert len(calendar.timezones) == 1


def test_session_sequence_rises_with_the_event_and_with_the_session(client):
    event = EventFactory(starts_at=london(2026, 6, 10, 9), ends_at=london(2026, 6, 10, 17))
    session = SessionFactory(event=event, starts_at=london(2026, 6, 10, 10))

    event = reload(event)
    event.ends_at = london(2026, 6, 10, 18)
    event.save()
    session.refresh_from_db()
    session.room = "Room 3"
    session.save()

    calendar = fetch(client, ics_url(event, sessions=1))
    event_vevent, session_vevent = calendar.events
    assert event_vevent["SEQUENCE"] == 1
    assert session_vevent["SEQUENCE"] == 2


def test_sessions_of_a_cancelled_event_are_cancelled(client):
    event = EventFactory(status=Event.Status.CANCELLED)
    SessionFactory(event=event)

    calendar = fetch(client, ics_url(event, sessions=1))

    assert [vevent["STATUS"] for vevent in calendar.events] == ["CANCELLED", "CANCELLED"]


@pytest.mark.parametrize(
    ("format", "with_venue", "location"),
    [
        (Event.Format.ONLINE, False, "Online"),
        (
            Event.Format.HYBRID,
            True,
            "Conference Centre X, 1 Exchange Square, Manchester, M2 3AA and online",
        ),
    ],
)
def test_online_events_never_give_away_the_joining_link(client, format, with_venue, location):
    link = "https://meet.example.net/j/9876543210?pwd=delegates-only"
    event = EventFactory(
        format=format,
        online_link=link,
        venue=VenueFactory(name="Conference Centre X") if with_venue else None,
    )
    SessionFactory(event=event)

    for url in (ics_url(event), ics_url(event, sessions=1), FEED_URL):
        response = client.get(url)
        assert response.status_code == 200
        assert "meet.example.net" not in unfolded(response.content)
        assert "9876543210" not in unfolded(response.content)

    vevent = only_vevent(fetch(client, ics_url(event)))
    assert vevent["LOCATION"] == location


def test_a_draft_is_hidden_from_visitors_and_members(client):
    event = EventFactory(status=Event.Status.DRAFT)

    assert client.get(ics_url(event)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(ics_url(event)).status_code == 404


def test_staff_who_may_change_events_can_preview_a_draft(client):
    event = EventFactory(status=Event.Status.DRAFT)
    editor = UserFactory()
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="events", codename="change_event")
    )
    client.force_login(editor)

    response = client.get(ics_url(event))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    vevent = only_vevent(icalendar.Calendar.from_ical(response.content))
    assert vevent["STATUS"] == "TENTATIVE"


def test_an_unknown_event_is_not_found(client):
    assert client.get("/events/no-such-event.ics").status_code == 404


def test_the_ics_only_answers_safe_methods(client):
    event = EventFactory()

    assert client.head(ics_url(event)).status_code == 200
    assert client.post(ics_url(event)).status_code == 405
    assert client.post(FEED_URL).status_code == 405


# An invitation (the booking flow will send these) from the same VEVENT builder


def test_the_vevent_builder_makes_invitations_with_organiser_and_attendee():
    event = EventFactory(
        format=Event.Format.ONLINE, venue=None, online_link="https://meet.example/j/1"
    )
    calendar = ical.new_calendar(method="REQUEST")
    calendar.add_component(
        ical.vevent_for_event(
            event,
            organizer=icalendar.vCalAddress.new(
                "events@digital-leaders.example", cn="Events team"
            ),
            attendees=[
                icalendar.vCalAddress.new(
                    "sam.jones@conwy.gov.uk", cn="Sam Jones", role="REQ-PARTICIPANT"
                )
            ],
            show_online_link=True,
        )
    )

    parsed = icalendar.Calendar.from_ical(ical.calendar_to_ical(calendar))

    assert parsed["METHOD"] == "REQUEST"
    vevent = only_vevent(parsed)
    assert vevent["UID"] == f"event-{event.pk}@events.digital-leaders.example"
    assert vevent["ORGANIZER"] == "mailto:events@digital-leaders.example"
    assert vevent["ORGANIZER"].params["CN"] == "Events team"
    assert vevent["ATTENDEE"] == "mailto:sam.jones@conwy.gov.uk"
    assert "https://meet.example/j/1" in vevent["DESCRIPTION"]
    assert len(parsed.timezones) == 1


# The public feed


def test_feed_is_a_subscribable_calendar_of_published_and_cancelled_events(client):
    published = EventFactory(title="Published one")
    cancelled = EventFactory(title="Called off", status=Event.Status.CANCELLED)
    EventFactory(title="Still a draft", status=Event.Status.DRAFT)

    response = client.get(FEED_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    # Inline, not an attachment: calendar apps subscribe to it.
    assert "Content-Disposition" not in response
    assert response["Cache-Control"] == "public, max-age=300"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["PRODID"] == "-//Digital Leaders Network//Events//EN"
    assert calendar["X-WR-CALNAME"] == "Digital Leaders Events events"
    assert calendar["X-WR-TIMEZONE"] == "Europe/London"
    assert "Digital Leaders Network" in calendar["X-WR-CALDESC"]
    assert calendar.refresh_interval == datetime.timedelta(hours=6)
    text = unfolded(response.content)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in text
    assert "X-PUBLISHED-TTL:PT6H\r\n" in text
    assert [tz["TZID"] for tz in calendar.timezones] == ["Europe/London"]
    by_uid = {str(vevent["UID"]): vevent for vevent in calendar.events}
    assert set(by_uid) == {
        f"event-{published.pk}@events.digital-leaders.example",
        f"event-{cancelled.pk}@events.digital-leaders.example",
    }
    assert by_uid[f"event-{published.pk}@events.digital-leaders.example"]["STATUS"] == "CONFIRMED"
    called_off = by_uid[f"event-{cancelled.pk}@events.digital-leaders.example"]
    assert called_off["STATUS"] == "CANCELLED"
    assert called_off["SUMMARY"] == "Cancelled: Called off"


def test_feed_answers_with_etag_and_last_modified(client):
    event = EventFactory()
    # Changed a while ago, so that "now" and "last modified" cannot coincide.
    last_modified = datetime.datetime(2026, 3, 2, 14, 15, 16, tzinfo=UTC)
    Event.objects.filter(pk=event.pk).update(updated_at=last_modified)
    Venue.objects.filter(pk=event.venue_id).update(
        updated_at=last_modified - datetime.timedelta(days=1)
    )

    response = client.get(FEED_URL)

    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    assert response["Last-Modified"] == "Mon, 02 Mar 2026 14:15:16 GMT"
    # Same content, same bytes: DTSTAMP is the last change, not the time of the request.
    vevent = only_vevent(icalendar.Calendar.from_ical(response.content))
    assert vevent.stamp == last_modified
    assert vevent.last_modified == last_modified
    assert client.get(FEED_URL).content == response.content


def test_a_matching_etag_gets_304_after_one_query_and_nothing_built(
    client, django_assert_num_queries, monkeypatch
):
    EventFactory.create_batch(3)
    first = client.get(FEED_URL)

    def must_not_build(**kwargs):
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(ical, "feed_calendar", must_not_build)
    with django_assert_num_queries(1):
        response = client.get(FEED_URL, headers={"if-none-match": first["ETag"]})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "if_none_match",
    [
        "W/{etag}",
        '"something-else", {etag}',
        '"something-else",W/{etag}',
        "*",
    ],
)
def test_weak_listed_and_star_etags_also_match(client, if_none_match):
    EventFactory()
    etag = client.get(FEED_URL)["ETag"]

    response = client.get(FEED_URL, headers={"if-none-match": if_none_match.format(etag=etag)})

    assert response.status_code == 304


def test_if_modified_since_alone_gets_304(client):
    EventFactory()
    first = client.get(FEED_URL)

    response = client.get(FEED_URL, headers={"if-modified-since": first["Last-Modified"]})

    assert response.status_code == 304


def test_a_stale_etag_gets_the_whole_feed(client):
    EventFactory()

    response = client.get(FEED_URL, headers={"if-none-match": '"an-old-version"'})

    assert response.status_code == 200
    assert len(icalendar.Calendar.from_ical(response.content).events) == 1


def test_etag_changes_when_an_event_is_edited(client):
    event = EventFactory()
    before = client.get(FEED_URL)["ETag"]

    event = reload(event)
    event.summary = "Now with a new summary."
    event.save()
    response = client.get(FEED_URL, headers={"if-none-match": before})

    assert response.status_code == 200
    assert response["ETag"] != before
    assert (
        "Now with a new summary."
        in only_vevent(icalendar.Calendar.from_ical(response.content))["DESCRIPTION"]
    )


def test_etag_changes_when_a_venue_is_edited_or_an_event_is_unpublished(client):
    event = EventFactory()
    EventFactory()
    first = client.get(FEED_URL)["ETag"]

    event.venue.postcode = "M2 3GX"
    event.venue.save()
    second = client.get(FEED_URL)["ETag"]
    event = reload(event)
    event.status = Event.Status.DRAFT
    event.save()
    third = client.get(FEED_URL)["ETag"]

    assert len({first, second, third}) == 3


def test_feed_queries_do_not_grow_with_the_number_of_events(client):
    EventFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        assert len(fetch(client, FEED_URL).events) == 3

    EventFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        assert len(fetch(client, FEED_URL).events) == 30

    # The fingerprint, then the events with their venues.
    assert len(few) == len(many) == 2


def test_an_empty_feed_is_still_a_valid_calendar(client):
    response = client.get(FEED_URL)

    assert response.status_code == 200
    assert "Last-Modified" not in response
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["X-WR-CALNAME"] == "Digital Leaders Events events"
    assert calendar.events == []


# A second, independent parser


def test_another_parser_reads_the_same_times_titles_and_uids(client):
    event = EventFactory(
        title="Digital leaders North West",
        starts_at=london(2026, 10, 24, 18),
        ends_at=london(2026, 10, 25, 10),
    )
    session = SessionFactory(
        event=event, title="Keynote", starts_at=london(2026, 10, 25, 9), room="Main hall"
    )
    other = EventFactory(title="Summer school", starts_at=london(2026, 7, 1, 9, 30))

    single = vobject.readOne(client.get(ics_url(event, sessions=1)).content.decode())
    feed = vobject.readOne(client.get(FEED_URL).content.decode())

    assert single.method.value == "PUBLISH"
    by_uid = {vevent.uid.value: vevent for vevent in single.vevent_list}
    main = by_uid[f"event-{event.pk}@events.digital-leaders.example"]
    assert main.summary.value == "Digital leaders North West"
    assert main.dtstart.value.astimezone(UTC) == datetime.datetime(2026, 10, 24, 17, tzinfo=UTC)
    assert main.dtend.value.astimezone(UTC) == datetime.datetime(2026, 10, 25, 10, tzinfo=UTC)
    keynote = by_uid[f"session-{session.pk}@events.digital-leaders.example"]
    assert keynote.summary.value == "Keynote (Digital leaders North West)"
    assert keynote.dtstart.value.astimezone(UTC) == datetime.datetime(2026, 10, 25, 9, tzinfo=UTC)

    assert feed.contents["x-wr-calname"][0].value == "Digital Leaders Events events"
    feed_by_uid = {vevent.uid.value: vevent for vevent in feed.vevent_list}
    assert set(feed_by_uid) == {
        f"event-{event.pk}@events.digital-leaders.example",
        f"event-{other.pk}@events.digital-leaders.example",
    }
    summer = feed_by_uid[f"event-{other.pk}@events.digital-leaders.example"]
    assert summer.summary.value == "Summer school"
    assert summer.dtstart.value.astimezone(UTC) == datetime.datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
