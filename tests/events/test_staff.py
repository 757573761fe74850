"""The event staff desk: attendee list and CSV, comps, cancellations, emailing
delegates and the waiting list."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from events.models import Registration, WaitingListEntry, validate_event_slug
from payments.models import Order
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital", capacity=10)


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100.00"))


def url(name, event, *args):
    return reverse(f"events:{name}", args=[event.slug, *args])


def _entry(event, email, position, **kwargs):
    return WaitingListEntry.objects.create(
        event=event,
        email=email,
        name=kwargs.pop("name", email.split("@")[0]),
        position=position,
        **kwargs,
    )


# --- Who may see and do what ------------------------------------------------------

GET_PAGES = [
    "staff_event",
    "staff_attendees",
    "staff_attendees_csv",
    "staff_comp",
    "staff_email",
    "staff_waiting_list",
]


@pytest.mark.parametrize("name", GET_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, event, name):
    response = client.get(url(name, event))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", GET_PAGES)
def test_delegates_are_refused(client, event, name):
    client.force_login(UserFactory())

    assert client.get(url(name, event)).status_code == 403


@pytest.mark.parametrize("name", GET_PAGES)
def test_event_staff_see_the_pages(staff_client, event, standard, name):
    assert staff_client.get(url(name, event)).status_code == 200


def test_superusers_see_the_pages(client, event):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    assert client.get(url("staff_attendees", event)).status_code == 200


def test_finance_may_view_the_list_but_not_cancel(client, event, standard):
    place = RegistrationFactory(ticket_type=standard)
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    client.force_login(user)

    assert client.get(url("staff_attendees", event)).status_code == 200
    assert client.post(url("staff_cancel", event, place.pk)).status_code == 403
    place.refresh_from_db()
    assert place.state == Registration.State.CONFIRMED


def test_delegates_cannot_cancel_comp_or_reorder(client, event, standard):
    place = RegistrationFactory(ticket_type=standard)
    entry = _entry(event, "a@example.org", 1)
    client.force_login(UserFactory())

    assert client.post(url("staff_cancel", event, place.pk)).status_code == 403
    assert client.post(url("staff_comp", event), {"ticket_type": standard.pk}).status_code == 403
    assert client.post(url("staff_waiting_remove", event, entry.pk)).status_code == 403
    assert client.post(url("staff_waiting_offer", event)).status_code == 403
    place.refresh_from_db()
    entry.refresh_from_db()
    assert place.state == Registration.State.CONFIRMED
    assert entry.state == WaitingListEntry.State.WAITING


def test_index_lists_upcoming_events_with_links_to_their_desks(staff_client, event):
    EventFactory(
        title="Last year",
        starts_at=timezone.now() - datetime.timedelta(days=400),
        ends_at=timezone.now() - datetime.timedelta(days=399),
    )
    draft = EventFactory(title="Planning day", status="draft")

    response = staff_client.get(reverse("events:staff_index"))

    html = response.content.decode()
    assert url("staff_event", event) in html
    assert url("staff_event", draft) in html
    assert "Last year" not in html


def test_event_desk_link_shows_only_to_staff(client, staff, event):
    assert "Event desk" not in client.get("/events/").content.decode()
    client.force_login(UserFactory())
    assert "Event desk" not in client.get("/events/").content.decode()
    client.force_login(staff)
    assert "Event desk" in client.get("/events/").content.decode()


def test_landing_page_counts_places_and_links_to_the_admin(staff_client, event, standard):
    RegistrationFactory.create_batch(3, ticket_type=standard)
    RegistrationFactory(ticket_type=standard, state=Registration.State.CANCELLED)
    _entry(event, "a@example.org", 1)

    response = staff_client.get(url("staff_event", event))

    html = response.content.decode()
    assert "3 of 10 places" in html
    assert reverse("admin:events_event_change", args=[event.pk]) in html
    assert url("staff_waiting_list", event) in html


def test_an_event_cannot_take_the_desk_index_address():
    with pytest.raises(ValidationError, match="is used by the site itself"):
        validate_event_slug("staff")


def test_unknown_event_is_404(staff_client):
    assert staff_client.get("/events/no-such-event/staff/attendees/").status_code == 404


# --- The attendee list ------------------------------------------------------------


@pytest.fixture
def places(event, standard):
    hidden = TicketTypeFactory(event=event, name="Speaker", price_net=Decimal("0"), hidden=True)
    return {
        "rhian": RegistrationFactory(
            ticket_type=standard,
            first_name="Rhian",
            last_name="Pritchard",
            email="rhian@conwy.gov.uk",
            organisation="Conwy County Borough Council",
            dietary="Vegan",
        ),
        "dafydd": RegistrationFactory(
            ticket_type=standard,
            first_name="Dafydd",
            last_name="Jones",
            email="dafydd@gwynedd.llyw.cymru",
            organisation="Cyngor Gwynedd",
            access_needs="Step-free access",
            state=Registration.State.PENDING,
        ),
        "eira": RegistrationFactory(
            ticket_type=hidden,
            first_name="Eira",
            last_name="Hughes",
            email="eira@nhs.example",
            organisation="NHS Wales",
            state=Registration.State.CANCELLED,
        ),
    }


def _names(response):
    return {p.first_name for p in response.context["places"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Rhian", "Dafydd", "Eira"}),
        ("?state=confirmed", {"Rhian"}),
        ("?state=pending", {"Dafydd"}),
        ("?state=cancelled", {"Eira"}),
        ("?q=gwynedd", {"Dafydd"}),
        ("?q=rhian+pritchard", {"Rhian"}),
        ("?q=eira%40nhs.example", {"Eira"}),
        ("?needs=dietary", {"Rhian"}),
        ("?needs=access", {"Dafydd"}),
        ("?needs=dietary&needs=access", {"Rhian", "Dafydd"}),
        ("?state=nonsense", {"Rhian", "Dafydd", "Eira"}),
    ],
)
def test_attendee_list_filters(staff_client, event, places, query, expected):
    response = staff_client.get(url("staff_attendees", event) + query)

    assert _names(response) == expected


def test_attendee_list_filters_by_ticket_type_and_booking_reference(staff_client, event, places):
    speaker = places["eira"].ticket_type
    reference = places["dafydd"].order.reference

    by_ticket = staff_client.get(url("staff_attendees", event), {"ticket_type": speaker.pk})
    by_reference = staff_client.get(url("staff_attendees", event), {"q": reference.lower()})

    assert _names(by_ticket) == {"Eira"}
    assert _names(by_reference) == {"Dafydd"}


def test_attendee_list_shows_counts_and_the_delegates(staff_client, event, places):
    _entry(event, "waiting@example.org", 1)

    response = staff_client.get(url("staff_attendees", event))

    html = response.content.decode()
    counts = response.context["counts"]
    assert (counts.confirmed, counts.pending, counts.cancelled, counts.waiting) == (1, 1, 1, 1)
    assert "1 of 10 places" in html
    assert "Rhian Pritchard" in html
    assert "Step-free access" in html
    assert url("staff_cancel", event, places["rhian"].pk) in html
    # A cancelled place has nothing left to cancel.
    assert url("staff_cancel", event, places["eira"].pk) not in html


def test_ignored_filter_is_explained(staff_client, event, places):
    response = staff_client.get(url("staff_attendees", event), {"ticket_type": "999999"})

    assert "Some filters were not understood" in response.content.decode()
    assert _names(response) == {"Rhian", "Dafydd", "Eira"}


# --- The CSV ------------------------------------------------------------------------


def _csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_has_the_columns_and_a_row_per_place(staff_client, event, places):
    response = staff_client.get(url("staff_attendees_csv", event))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="share-digital-')
    rows = _csv(response)
    assert rows[0] == [
        "First name",
        "Last name",
        "Email",
        "Job title",
        "Organisation",
        "Ticket type",
        "Dietary requirements",
        "Access needs",
        "Booking reference",
        "Payment method",
        "Payment state",
        "Place state",
        "Booked at",
    ]
    by_email = {row[2]: row for row in rows[1:]}
    assert set(by_email) == {"rhian@conwy.gov.uk", "dafydd@gwynedd.llyw.cymru", "eira@nhs.example"}
    rhian = by_email["rhian@conwy.gov.uk"]
    assert rhian[:2] == ["Rhian", "Pritchard"]
    assert rhian[5:9] == ["Standard", "Vegan", "", places["rhian"].order.reference]
    assert rhian[9:12] == ["Invoice", "Pending", "Confirmed"]
    booked = timezone.localtime(places["rhian"].created_at)
    assert rhian[12] == f"{booked:%Y-%m-%d %H:%M}"


def test_csv_honours_the_filters(staff_client, event, places):
    response = staff_client.get(url("staff_attendees_csv", event), {"needs": "access"})

    assert [row[0] for row in _csv(response)[1:]] == ["Dafydd"]


def test_csv_defuses_formulas_and_quotes_awkward_text(staff_client, event, standard):
    RegistrationFactory(
        ticket_type=standard,
        first_name='=HYPERLINK("http://evil.example","Click")',
        last_name="+1",
        organisation="-2+3",
        job_title="@SUM(A1)",
        dietary='No nuts, "really", please\nand no shellfish',
        access_needs="\t=1+1",
    )

    row = _csv(staff_client.get(url("staff_attendees_csv", event)))[1]

    assert row[0] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[1] == "'+1"
    assert row[3] == "'@SUM(A1)"
    assert row[4] == "'-2+3"
    assert row[6] == 'No nuts, "really", please\nand no shellfish'
    assert row[7] == "'\t=1+1"


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["staff_attendees", "staff_attendees_csv"])
def test_query_count_does_not_grow_with_places(staff_client, event, standard, name):
    def add_places(n):
        for _ in range(n):
            RegistrationFactory(ticket_type=standard, order=OrderFactory(), dietary="Vegetarian")

    add_places(3)
    few = _queries(staff_client, url(name, event))
    add_places(27)
    many = _queries(staff_client, url(name, event))

    assert few == many


# --- Complimentary places -----------------------------------------------------------


def _comp_data(ticket, **overrides):
    return {
        "ticket_type": ticket.pk,
        "first_name": "Siân",
        "last_name": "Evans",
        "email": "Sian.Evans@Ceredigion.gov.uk",
        "job_title": "Chief Digital Officer",
        "organisation": "Ceredigion County Council",
        "dietary": "",
        "access_needs": "Hearing loop",
        **overrides,
    }


def test_comp_books_a_free_confirmed_place_on_a_hidden_ticket(staff_client, staff, event):
    hidden = TicketTypeFactory(event=event, name="Speaker", price_net=Decimal("250"), hidden=True)

    response = staff_client.post(url("staff_comp", event), _comp_data(hidden))

    place = Registration.objects.get(event=event)
    assert place.ticket_type == hidden
    assert place.state == Registration.State.CONFIRMED
    assert place.email == "sian.evans@ceredigion.gov.uk"
    assert place.access_needs == "Hearing loop"
    assert place.order.payment_method == Order.PaymentMethod.FREE
    assert place.order.total_gross == Decimal("0.00")
    assert place.order.booker == staff
    assert response.status_code == 302
    assert response["Location"].endswith(f"?q={place.order.reference}")
    follow = staff_client.get(response["Location"])
    assert "Complimentary place booked for Siân Evans" in follow.content.decode()


def test_comp_is_allowed_after_registration_closes(staff_client, event, standard):
    event.registration_closes_at = timezone.now() - datetime.timedelta(days=1)
    event.save()

    staff_client.post(url("staff_comp", event), _comp_data(standard))

    assert Registration.objects.filter(event=event).count() == 1


def test_comp_cannot_oversell(staff_client, event, standard):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)

    response = staff_client.post(url("staff_comp", event), _comp_data(standard))

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "This event is fully booked." in html
    assert "<title>Error:" in html
    assert Registration.objects.filter(event=event).count() == 1


def test_comp_form_errors_change_nothing(staff_client, event, standard):
    response = staff_client.post(
        url("staff_comp", event), _comp_data(standard, first_name="", email="not-an-email")
    )

    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_first_name"' in html
    assert "Enter an email address in the correct format" in html
    assert not Registration.objects.filter(event=event).exists()


def test_comp_refuses_a_ticket_of_another_event(staff_client, event, standard):
    other = TicketTypeFactory(name="Elsewhere")

    response = staff_client.post(url("staff_comp", event), _comp_data(other))

    assert "Select a ticket type" in response.content.decode()
    assert not Registration.objects.exists()


# --- Cancelling for someone ---------------------------------------------------------


def test_staff_cancel_after_the_cut_off(staff_client, event, standard):
    event.starts_at = timezone.now() + datetime.timedelta(days=2)
    event.ends_at = event.starts_at + datetime.timedelta(hours=6)
    event.cancellation_cutoff_days = 7
    event.save()
    place = RegistrationFactory(ticket_type=standard, first_name="Rhian", last_name="Pritchard")

    page = staff_client.get(url("staff_cancel", event, place.pk))
    place.refresh_from_db()
    assert page.status_code == 200
    assert place.state == Registration.State.CONFIRMED

    response = staff_client.post(url("staff_cancel", event, place.pk), follow=True)

    place.refresh_from_db()
    assert place.state == Registration.State.CANCELLED
    assert "The place for Rhian Pritchard is cancelled" in response.content.decode()


def test_cancelling_a_cancelled_place_says_so(staff_client, event, standard):
    place = RegistrationFactory(ticket_type=standard, state=Registration.State.CANCELLED)

    response = staff_client.post(url("staff_cancel", event, place.pk), follow=True)

    assert "This place is already cancelled." in response.content.decode()


def test_a_place_at_another_event_is_404(staff_client, event):
    elsewhere = RegistrationFactory()

    assert staff_client.get(url("staff_cancel", event, elsewhere.pk)).status_code == 404
    assert staff_client.post(url("staff_cancel", event, elsewhere.pk)).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == Registration.State.CONFIRMED


# --- Emailing all delegates ---------------------------------------------------------

MESSAGE = {
    "subject": "Room change for Share Digital",
    "message": "We have moved to the Tudor Room.\n\nLunch is at 12:30 & there is tea.",
}


@pytest.fixture
def delegates(event, standard):
    confirmed = [
        RegistrationFactory(
            ticket_type=standard, first_name=name, email=f"{name.lower()}@x.gov.uk"
        )
        for name in ("Rhian", "Dafydd", "Eira")
    ]
    RegistrationFactory(
        ticket_type=standard, email="gone@x.gov.uk", state=Registration.State.CANCELLED
    )
    RegistrationFactory(
        ticket_type=standard, email="unpaid@x.gov.uk", state=Registration.State.PENDING
    )
    return confirmed


def test_email_preview_counts_confirmed_delegates_and_sends_nothing(
    staff_client, event, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("staff_email", event), {**MESSAGE, "action": "preview"})

    html = response.content.decode()
    assert "It will be sent to 3 confirmed delegates" in html
    assert "Tudor Room" in html
    assert mailoutbox == []


def test_email_all_sends_one_email_per_confirmed_delegate(
    staff_client, event, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("staff_email", event), {**MESSAGE, "action": "send"})

    assert response.status_code == 302
    assert response["Location"] == url("staff_event", event)
    sent = [m for m in mailoutbox if m.subject == MESSAGE["subject"]]
    assert sorted(m.to for m in sent) == [
        ["dafydd@x.gov.uk"],
        ["eira@x.gov.uk"],
        ["rhian@x.gov.uk"],
    ]
    assert all(m.cc == [] and m.bcc == [] for m in sent)
    assert all(m.reply_to == [event.organiser_email] for m in sent)
    rhian = next(m for m in sent if m.to == ["rhian@x.gov.uk"])
    assert "Dear Rhian," in rhian.body
    assert "Lunch is at 12:30 & there is tea." in rhian.body
    html = rhian.alternatives[0][0]
    assert "Lunch is at 12:30 &amp; there is tea." in html
    follow = staff_client.get(response["Location"])
    assert "Your message is being sent to 3 delegates" in follow.content.decode()


def test_email_goes_once_to_a_delegate_with_two_places(
    staff_client, event, standard, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    RegistrationFactory(ticket_type=standard, email="rhian@x.gov.uk")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("staff_email", event), {**MESSAGE, "action": "send"})

    assert len([m for m in mailoutbox if m.subject == MESSAGE["subject"]]) == 3


def test_email_replies_go_to_the_sender_when_the_event_has_no_organiser(
    staff_client, staff, event, delegates, mailoutbox, django_capture_on_commit_callbacks
):
    event.organiser_email = ""
    event.save()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("staff_email", event), {**MESSAGE, "action": "send"})

    assert {tuple(m.reply_to) for m in mailoutbox} == {(staff.email,)}


def test_email_form_errors_and_no_delegates(
    staff_client, event, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        empty = staff_client.post(url("staff_email", event), {"subject": "", "message": ""})
        nobody = staff_client.post(url("staff_email", event), {**MESSAGE, "action": "send"})

    assert "Enter a subject" in empty.content.decode()
    assert "There are no confirmed delegates to email yet" in nobody.content.decode()
    assert mailoutbox == []


def test_change_the_message_goes_back_to_the_form(staff_client, event, delegates, mailoutbox):
    response = staff_client.post(url("staff_email", event), {**MESSAGE, "action": "change"})

    assert response.templates[0].name == "events/staff/email.html"
    assert "Tudor Room" in response.content.decode()
    assert mailoutbox == []


# --- The waiting list -----------------------------------------------------------------


@pytest.fixture
def line(event):
    return [_entry(event, f"{name}@example.org", n) for n, name in enumerate("abcd", start=1)]


def _order(event):
    return list(
        WaitingListEntry.objects.filter(event=event, state="waiting")
        .order_by("position")
        .values_list("email", flat=True)
    )


def test_waiting_list_shows_the_line_in_order(staff_client, event, line):
    removed = _entry(event, "gone@example.org", 9, state=WaitingListEntry.State.REMOVED)

    response = staff_client.get(url("staff_waiting_list", event))

    assert [e.email for e in response.context["entries"]] == [e.email for e in line]
    assert [e.email for e in response.context["done"]] == [removed.email]


def test_move_up_down_and_to_a_position(staff_client, event, line):
    a, _, c, d = line
    move = lambda entry, **data: staff_client.post(  # noqa: E731
        url("staff_waiting_move", event, entry.pk), data
    )

    move(c, direction="up")
    assert _order(event) == ["a@example.org", "c@example.org", "b@example.org", "d@example.org"]
    move(a, direction="down")
    assert _order(event) == ["c@example.org", "a@example.org", "b@example.org", "d@example.org"]
    response = move(d, position="1")
    assert _order(event) == ["d@example.org", "c@example.org", "a@example.org", "b@example.org"]
    follow = staff_client.get(response["Location"])
    assert "d is now number 1 on the waiting list." in follow.content.decode()


def test_move_to_a_bad_position_shows_an_error_and_changes_nothing(staff_client, event, line):
    response = staff_client.post(url("staff_waiting_move", event, line[2].pk), {"position": "0"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in html
    assert "There is a problem" in html
    assert f'href="#position-{line[2].pk}"' in html
    assert "Position must be 1 or more" in html
    assert _order(event) == [e.email for e in line]


def test_remove_asks_first_then_takes_them_off(staff_client, event, line):
    page = staff_client.get(url("staff_waiting_remove", event, line[1].pk))
    assert "Remove b from the waiting list" in page.content.decode()
    assert WaitingListEntry.objects.get(pk=line[1].pk).state == WaitingListEntry.State.WAITING

    staff_client.post(url("staff_waiting_remove", event, line[1].pk))

    assert WaitingListEntry.objects.get(pk=line[1].pk).state == WaitingListEntry.State.REMOVED
    assert _order(event) == ["a@example.org", "c@example.org", "d@example.org"]


def test_offer_free_places_now(
    staff_client, event, standard, line, mailoutbox, django_capture_on_commit_callbacks
):
    event.capacity = 4
    event.save()
    RegistrationFactory.create_batch(2, ticket_type=standard)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("staff_waiting_offer", event), follow=True)

    states = dict(WaitingListEntry.objects.filter(event=event).values_list("email", "state"))
    assert states == {
        "a@example.org": "offered",
        "b@example.org": "offered",
        "c@example.org": "waiting",
        "d@example.org": "waiting",
    }
    assert "2 places offered." in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.org", "b@example.org"]


def test_offer_with_no_free_places_says_so(staff_client, event, standard, line):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)

    response = staff_client.post(url("staff_waiting_offer", event), follow=True)

    assert "No places were offered" in response.content.decode()
    assert not WaitingListEntry.objects.filter(state="offered").exists()


def test_a_waiting_entry_of_another_event_is_404(staff_client, event):
    other = _entry(EventFactory(), "x@example.org", 1)

    response = staff_client.post(url("staff_waiting_move", event, other.pk), {"position": "1"})

    assert response.status_code == 404
