"""My bookings, the ticket page, changes to a place and the private calendar feed,
as the booker, the delegate and everyone else meet them over HTTP."""

import base64
import datetime
import re

import icalendar
import pytest
import segno
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import CalendarFeedToken
from events.models import Event, Registration, RetiredTicketSecret
from events.selectors import places_taken
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://events.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.SERVICE_NAME = "Digital Leaders Events"
    settings.DELEGATE_EDIT_CUTOFF_DAYS = 2


def _text(response) -> str:
    return response.content.decode()


def _days_ahead(days: int) -> dict:
    starts = timezone.now() + datetime.timedelta(days=days)
    return {"starts_at": starts, "ends_at": starts + datetime.timedelta(hours=7)}


@pytest.fixture
def booker():
    return UserFactory(email="rhian@conwy.gov.uk", full_name="Rhian Pritchard")


@pytest.fixture
def event():
    return EventFactory(
        title="Share Digital",
        slug="share-digital",
        format=Event.Format.HYBRID,
        online_link="https://meet.example/share-digital",
        cancellation_cutoff_days=7,
        **_days_ahead(30),
    )


@pytest.fixture
def order(booker):
    return OrderFactory(booker=booker, booker_name="Rhian Pritchard", booker_email=booker.email)


@pytest.fixture
def places(event, order):
    """Two confirmed places in Rhian's order, for Gareth and Siân."""
    ticket = TicketTypeFactory(event=event, name="Member")
    return [
        RegistrationFactory(
            ticket_type=ticket,
            order=order,
            first_name="Gareth",
            last_name="Evans",
            email="gareth.evans@conwy.gov.uk",
        ),
        RegistrationFactory(
            ticket_type=ticket,
            order=order,
            first_name="Siân",
            last_name="Lloyd",
            email="sian.lloyd@conwy.gov.uk",
        ),
    ]


@pytest.fixture
def gareth(places):
    """Gareth signs in with the address his place was booked for, verified."""
    return UserFactory(email="gareth.evans@conwy.gov.uk", full_name="Gareth Evans")


def _place_urls(place) -> list[str]:
    return [
        reverse(f"my:{name}", kwargs={"pk": place.pk})
        for name in (
            "place",
            "place_ics",
            "place_qr",
            "place_cancel",
            "place_transfer",
            "place_needs",
        )
    ]


# --- who sees what ---------------------------------------------------------------


def test_list_needs_sign_in(client):
    response = client.get(reverse("my:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_booker_sees_every_place_of_their_order(client, booker, places):
    client.force_login(booker)

    page = _text(client.get(reverse("my:list")))

    assert "Share Digital" in page
    assert "Gareth Evans" in page
    assert "Siân Lloyd" in page
    for place in places:
        assert client.get(reverse("my:place", kwargs={"pk": place.pk})).status_code == 200


def test_delegate_with_the_booked_email_verified_sees_only_their_place(client, gareth, places):
    client.force_login(gareth)

    page = _text(client.get(reverse("my:list")))

    assert "Gareth Evans" in page
    assert "Siân Lloyd" not in page
    assert "Booked by Rhian Pritchard" in page
    assert client.get(reverse("my:place", kwargs={"pk": places[0].pk})).status_code == 200
    for url in _place_urls(places[1]):
        assert client.get(url).status_code == 404, url


def test_delegate_sees_a_place_booked_for_a_second_verified_address(client, places):
    person = UserFactory(email="gareth@personal.example")
    EmailAddress.objects.create(user=person, email="Gareth.Evans@conwy.gov.uk", verified=True)
    client.force_login(person)

    assert client.get(reverse("my:place", kwargs={"pk": places[0].pk})).status_code == 200


def test_unverified_matching_email_sees_nothing(client, places):
    person = UserFactory(email="gareth@personal.example")
    EmailAddress.objects.create(user=person, email="gareth.evans@conwy.gov.uk", verified=False)
    client.force_login(person)

    page = _text(client.get(reverse("my:list")))

    assert "Gareth Evans" not in page
    assert "You have no bookings yet" in page
    for url in _place_urls(places[0]):
        assert client.get(url).status_code == 404, url


def test_delegate_linked_to_the_account_sees_their_place(client, places):
    person = UserFactory(email="someone.else@example.net")
    Registration.objects.filter(pk=places[1].pk).update(delegate=person)
    client.force_login(person)

    page = _text(client.get(reverse("my:list")))

    assert "Siân Lloyd" in page
    assert "Gareth Evans" not in page


def test_stranger_gets_404_everywhere_and_changes_nothing(client, places):
    client.force_login(UserFactory(email="stranger@example.net"))
    place = places[0]
    secret = place.ticket_secret

    for url in _place_urls(place):
        assert client.get(url).status_code == 404, url
    for url in _place_urls(place)[3:]:
        data = {"confirm": "yes", "first_name": "Eve", "last_name": "Mallory"}
        data |= {"email": "eve@example.net", "dietary": "Vegan"}
        assert client.post(url, data).status_code == 404, url

    place.refresh_from_db()
    assert (place.state, place.ticket_secret, place.dietary) == ("confirmed", secret, "")


def test_lists_split_upcoming_and_past_with_state_tags(client, booker, order, places):
    past_event = EventFactory(title="Share Digital 2019", **_days_ahead(-400))
    RegistrationFactory(
        ticket_type=TicketTypeFactory(event=past_event),
        order=OrderFactory(booker=booker),
        first_name="Old",
        last_name="Place",
    )
    Registration.objects.filter(pk=places[1].pk).update(state=Registration.State.CANCELLED)
    client.force_login(booker)

    page = _text(client.get(reverse("my:list")))

    upcoming, past = page.split(">Past</h2>")
    assert "Share Digital</h3>" in upcoming
    assert "Share Digital 2019" in past
    assert order.reference in upcoming
    assert ">Confirmed<" in upcoming
    assert ">Cancelled<" in upcoming


def test_empty_list_reads_well(client):
    client.force_login(UserFactory())

    page = _text(client.get(reverse("my:list")))

    assert "You have no bookings yet" in page
    assert reverse("events:list") in page


def test_nav_link_shows_to_signed_in_people_only(client):
    link = 'href="/my-bookings/"'
    assert link not in _text(client.get("/"))

    client.force_login(UserFactory())

    assert link in _text(client.get("/"))


# --- the ticket page, its QR code and its .ics -------------------------------------------


def _dark_modules(svg: str) -> set[tuple[int, int]]:
    """Read the dark modules back out of a segno SVG path (rows of horizontal runs)."""
    # segno draws the light background as one path and the dark modules,
    # in module units, as the "qrline" path.
    path = re.search(r'<path[^>]*class="qrline"[^>]*\sd="([^"]+)"', svg).group(1)
    dark = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            run = values[0]
            dark |= {(int(x + i), int(y)) for i in range(int(run))}
            x += run
    return dark


def _expected_modules(secret: str) -> set[tuple[int, int]]:
    qr = segno.make_qr(secret, error="m")
    border = 4
    return {
        (col + border, row + border)
        for row, line in enumerate(qr.matrix)
        for col, value in enumerate(line)
        if value
    }


def test_ticket_secret_is_random_and_at_least_128_bits(places):
    secrets = [place.ticket_secret for place in places]
    secrets += [
        RegistrationFactory(ticket_type=places[0].ticket_type).ticket_secret for _ in "abc"
    ]

    for place in places:
        assert str(place.pk) != place.ticket_secret
    for secret in secrets:
        assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) * 8 >= 128
    assert len(set(secrets)) == len(secrets)


def test_ticket_page_shows_the_qr_code_of_the_secret(client, gareth, places):
    place = places[0]
    client.force_login(gareth)

    page = _text(client.get(reverse("my:place", kwargs={"pk": place.pk})))

    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-label="QR code for Gareth Evans’s ticket"' in svg
    assert _dark_modules(svg) == _expected_modules(place.ticket_secret)
    assert place.order.reference in page
    assert "https://meet.example/share-digital" in page
    assert reverse("my:place_ics", kwargs={"pk": place.pk}) in page
    assert reverse("my:place_qr", kwargs={"pk": place.pk}) in page


def test_qr_download_is_the_svg_of_the_secret(client, gareth, places):
    place = places[0]
    client.force_login(gareth)

    response = client.get(reverse("my:place_qr", kwargs={"pk": place.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    svg = response.content.decode()
    assert _dark_modules(svg) == _expected_modules(place.ticket_secret)


def test_pending_place_has_no_qr_code_or_joining_link(client, gareth, places):
    Registration.objects.filter(pk=places[0].pk).update(state=Registration.State.PENDING)
    client.force_login(gareth)

    page = _text(client.get(reverse("my:place", kwargs={"pk": places[0].pk})))

    assert "<svg" not in page
    assert "Pending payment" in page
    assert "meet.example" not in page
    assert client.get(reverse("my:place_qr", kwargs={"pk": places[0].pk})).status_code == 404


def test_place_ics_is_a_published_entry_with_the_place_uid(client, gareth, places):
    place = places[0]
    client.force_login(gareth)

    response = client.get(reverse("my:place_ics", kwargs={"pk": place.pk}))

    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"registration-{place.pk}@events.digital-leaders.example"
    assert "Join online: https://meet.example/share-digital" in str(vevent["DESCRIPTION"])


def test_place_ics_of_a_pending_place_has_no_joining_link(client, gareth, places):
    Registration.objects.filter(pk=places[0].pk).update(state=Registration.State.PENDING)
    client.force_login(gareth)

    response = client.get(reverse("my:place_ics", kwargs={"pk": places[0].pk}))

    assert b"meet.example" not in response.content


# --- cancelling -------------------------------------------------------------------------


def test_get_on_cancel_asks_for_confirmation_and_changes_nothing(client, gareth, places):
    client.force_login(gareth)

    response = client.get(reverse("my:place_cancel", kwargs={"pk": places[0].pk}))

    assert response.status_code == 200
    assert "Are you sure you want to cancel Gareth Evans’s place?" in _text(response)
    assert "You cannot undo this" in _text(response)
    places[0].refresh_from_db()
    assert places[0].state == Registration.State.CONFIRMED


def test_cancel_inside_the_window_frees_the_place(client, gareth, event, places):
    client.force_login(gareth)
    before = places_taken(event=event)

    response = client.post(reverse("my:place_cancel", kwargs={"pk": places[0].pk}), follow=True)

    places[0].refresh_from_db()
    assert places[0].state == Registration.State.CANCELLED
    assert places_taken(event=event) == before - 1
    assert "Gareth Evans’s place at Share Digital has been cancelled." in _text(response)
    assert "<svg" not in _text(response)


def test_cancel_after_the_cut_off_is_refused_and_says_whom_to_contact(client, booker, places):
    Event.objects.filter(pk=places[0].event_id).update(**_days_ahead(3))
    client.force_login(booker)
    url = reverse("my:place_cancel", kwargs={"pk": places[0].pk})

    page = _text(client.get(url))
    assert "You cannot cancel this place online" in page
    assert "events@digital-leaders.example" in page
    assert "Yes, cancel this place" not in page

    response = client.post(url)

    assert response.status_code == 400
    assert "There is a problem" in _text(response)
    assert "can no longer be cancelled online" in _text(response)
    assert "<title>Error:" in _text(response)
    places[0].refresh_from_db()
    assert places[0].state == Registration.State.CONFIRMED


def test_booker_may_cancel_a_delegates_place(client, booker, places):
    client.force_login(booker)

    client.post(reverse("my:place_cancel", kwargs={"pk": places[1].pk}))

    places[1].refresh_from_db()
    assert places[1].state == Registration.State.CANCELLED


# --- transferring -------------------------------------------------------------------------

COLLEAGUE = {
    "first_name": "Megan",
    "last_name": "Jones",
    "email": "Megan.Jones@conwy.gov.uk",
    "job_title": "Service designer",
    "organisation": "Conwy County Borough Council",
    "dietary": "Vegetarian",
    "access_needs": "",
}


def test_transfer_shows_the_details_back_before_changing_anything(client, gareth, places):
    client.force_login(gareth)
    secret = places[0].ticket_secret

    response = client.post(reverse("my:place_transfer", kwargs={"pk": places[0].pk}), COLLEAGUE)

    assert response.status_code == 200
    page = _text(response)
    assert "Check the details before you transfer the place" in page
    assert "Megan.Jones@conwy.gov.uk" in page
    places[0].refresh_from_db()
    assert (places[0].ticket_secret, places[0].first_name) == (secret, "Gareth")


def test_change_on_the_check_page_goes_back_to_the_filled_form(client, gareth, places):
    client.force_login(gareth)
    secret = places[0].ticket_secret

    response = client.post(
        reverse("my:place_transfer", kwargs={"pk": places[0].pk}), COLLEAGUE | {"change": "yes"}
    )

    page = _text(response)
    assert "Transfer Gareth Evans’s place to a colleague" in page
    assert 'value="Megan.Jones@conwy.gov.uk"' in page
    assert "There is a problem" not in page
    places[0].refresh_from_db()
    assert places[0].ticket_secret == secret


def test_confirmed_transfer_issues_a_new_secret_and_retires_the_old(
    client, gareth, places, django_capture_on_commit_callbacks, mailoutbox
):
    place = places[0]
    old_secret = place.ticket_secret
    client.force_login(gareth)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("my:place_transfer", kwargs={"pk": place.pk}), COLLEAGUE | {"confirm": "yes"}
        )

    assert response.status_code == 302
    place.refresh_from_db()
    assert place.ticket_secret != old_secret
    assert (place.first_name, place.last_name, place.email) == (
        "Megan",
        "Jones",
        "megan.jones@conwy.gov.uk",
    )
    assert place.dietary == "Vegetarian"
    assert RetiredTicketSecret.objects.get(secret=old_secret).registration == place
    assert not Registration.objects.filter(ticket_secret=old_secret).exists()
    recipients = {address for message in mailoutbox for address in message.to}
    assert {"gareth.evans@conwy.gov.uk", "megan.jones@conwy.gov.uk"} <= recipients
    # Gareth no longer holds the place, so it is no longer his to see.
    assert client.get(reverse("my:place", kwargs={"pk": place.pk})).status_code == 404


def test_transfer_with_missing_details_shows_errors_and_changes_nothing(client, gareth, places):
    client.force_login(gareth)
    secret = places[0].ticket_secret

    response = client.post(
        reverse("my:place_transfer", kwargs={"pk": places[0].pk}),
        {"first_name": "", "last_name": "Jones", "email": "not-an-email", "confirm": "yes"},
    )

    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert "Enter your colleague’s first name" in page
    assert "Enter an email address in the correct format" in page
    assert 'href="#id_first_name"' in page
    places[0].refresh_from_db()
    assert places[0].ticket_secret == secret


def test_transfer_to_the_same_address_shows_the_domain_error(client, gareth, places):
    client.force_login(gareth)

    response = client.post(
        reverse("my:place_transfer", kwargs={"pk": places[0].pk}),
        COLLEAGUE | {"email": "gareth.evans@conwy.gov.uk", "confirm": "yes"},
    )

    assert response.status_code == 400
    assert "The place already belongs to that email address." in _text(response)


def test_transfer_after_the_cut_off_is_refused(client, booker, places):
    Event.objects.filter(pk=places[0].event_id).update(**_days_ahead(3))
    client.force_login(booker)
    secret = places[0].ticket_secret
    url = reverse("my:place_transfer", kwargs={"pk": places[0].pk})

    assert "You cannot transfer this place online" in _text(client.get(url))
    response = client.post(url, COLLEAGUE | {"confirm": "yes"})

    assert response.status_code == 400
    assert "can no longer be transferred online" in _text(response)
    places[0].refresh_from_db()
    assert places[0].ticket_secret == secret


# --- dietary and access needs -------------------------------------------------------------


def test_needs_can_be_changed_before_the_cut_off(client, gareth, places):
    client.force_login(gareth)

    response = client.post(
        reverse("my:place_needs", kwargs={"pk": places[0].pk}),
        {"dietary": "Halal", "access_needs": "Step-free access"},
        follow=True,
    )

    places[0].refresh_from_db()
    assert (places[0].dietary, places[0].access_needs) == ("Halal", "Step-free access")
    assert "dietary and access needs have been saved" in _text(response)


def test_needs_cannot_be_changed_after_the_cut_off(client, gareth, places):
    Event.objects.filter(pk=places[0].event_id).update(**_days_ahead(1))
    client.force_login(gareth)
    url = reverse("my:place_needs", kwargs={"pk": places[0].pk})

    assert "You cannot change dietary or access needs online" in _text(client.get(url))
    response = client.post(url, {"dietary": "Halal", "access_needs": ""})

    assert response.status_code == 400
    assert "can no longer be changed online" in _text(response)
    places[0].refresh_from_db()
    assert places[0].dietary == ""


# --- the private calendar feed ----------------------------------------------------------


def _feed(client, token) -> icalendar.Calendar:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    return icalendar.Calendar.from_ical(response.content)


def test_calendar_page_get_never_creates_an_address(client, gareth):
    client.force_login(gareth)

    page = _text(client.get(reverse("my:calendar")))

    assert "Create my calendar address" in page
    assert not CalendarFeedToken.objects.filter(user=gareth).exists()


def test_calendar_address_lists_confirmed_places_only(client, gareth, places, event):
    RegistrationFactory(
        ticket_type=TicketTypeFactory(event=EventFactory(title="Dropped out")),
        email=gareth.email,
        state=Registration.State.CANCELLED,
    )
    RegistrationFactory(
        ticket_type=TicketTypeFactory(event=EventFactory(title="Not paid yet")),
        email=gareth.email,
        state=Registration.State.PENDING,
    )
    called_off = EventFactory(title="Called off", status=Event.Status.CANCELLED)
    RegistrationFactory(ticket_type=TicketTypeFactory(event=called_off), email=gareth.email)
    client.force_login(gareth)

    client.post(reverse("my:calendar"), {"action": "create"})
    token = CalendarFeedToken.objects.get(user=gareth).token
    assert f"{SITE_URL}/calendar/{token}.ics" in _text(client.get(reverse("my:calendar")))
    client.logout()
    calendar = _feed(client, token)

    assert calendar["X-WR-CALNAME"] == "Digital Leaders Events: your bookings"
    assert calendar["METHOD"] == "PUBLISH"
    entries = {str(v["SUMMARY"]): v for v in calendar.walk("VEVENT")}
    assert set(entries) == {"Share Digital", "Cancelled: Called off"}
    assert str(entries["Share Digital"]["UID"]) == (
        f"registration-{places[0].pk}@events.digital-leaders.example"
    )
    assert str(entries["Cancelled: Called off"]["STATUS"]) == "CANCELLED"
    assert "Join online" in str(entries["Share Digital"]["DESCRIPTION"])
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128


def test_unknown_token_is_404(client):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


def test_reset_changes_the_address_and_the_old_one_stops_working(client, gareth, places):
    client.force_login(gareth)
    client.post(reverse("my:calendar"), {"action": "create"})
    old = CalendarFeedToken.objects.get(user=gareth).token

    response = client.post(reverse("my:calendar"), {"action": "reset"}, follow=True)

    new = CalendarFeedToken.objects.get(user=gareth).token
    assert new != old
    assert "The old address no longer works" in _text(response)
    assert f"/calendar/{new}.ics" in _text(response)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    _feed(client, new)


def test_turning_off_the_address_makes_it_404(client, gareth):
    client.force_login(gareth)
    client.post(reverse("my:calendar"), {"action": "create"})
    token = CalendarFeedToken.objects.get(user=gareth).token

    client.post(reverse("my:calendar"), {"action": "off"})

    assert not CalendarFeedToken.objects.filter(user=gareth).exists()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_calendar_page_rejects_an_unknown_action(client, gareth):
    client.force_login(gareth)

    response = client.post(reverse("my:calendar"), {"action": "explode"})

    assert response.status_code == 400
    assert "There is a problem" in _text(response)
    assert not CalendarFeedToken.objects.filter(user=gareth).exists()


def test_feed_leaves_out_places_booked_for_colleagues(client, booker, places):
    CalendarFeedToken.objects.create(user=booker, token="rhians-token-for-this-test-only")

    calendar = _feed(client, "rhians-token-for-this-test-only")

    assert calendar.walk("VEVENT") == []
