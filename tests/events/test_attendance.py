"""The attendance report: who came and who did not, as a page and a CSV."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from events.models import Registration
from events.selectors import AttendanceLine
from events.services.checkin import checkin_scan, checkin_undo
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory, london
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(email="gwen@digital-leaders.example")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    client.force_login(user)
    return client


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital")


@pytest.fixture
def places(event):
    """Six confirmed places (three came), one cancelled and one unpaid, over two tickets."""
    standard = TicketTypeFactory(event=event, name="Standard", position=1)
    speaker = TicketTypeFactory(event=event, name="Speaker", position=0)
    TicketTypeFactory(event=event, name="Unused", position=2)
    conwy = "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy"

    def place(first, last, ticket=standard, organisation=conwy, **kwargs):
        return RegistrationFactory(
            ticket_type=ticket,
            first_name=first,
            last_name=last,
            organisation=organisation,
            **kwargs,
        )

    made = {
        "sian": place("Siân", "Ellis"),
        "dafydd": place(
            "Dafydd",
            "Jones",
            organisation=" conwy county borough council / cyngor bwrdeistref sirol conwy ",
        ),
        "eira": place("Eira", "Hughes", ticket=speaker, organisation="Gwynedd Council"),
        "owain": place("Owain", "Lloyd", organisation=""),
        "zoe": place("Zoë", "Żak", ticket=speaker, organisation="Gwynedd Council"),
        "formula": place("=cmd", "+SUM(A1)", organisation="@risk"),
        "cancelled": place("Cai", "Cancelled", state=Registration.State.CANCELLED),
        "unpaid": place("Pat", "Pending", state=Registration.State.PENDING),
    }
    first_entry = london(2030, 5, 14, 9, 5)
    checkin_scan(event=event, secret=made["sian"].ticket_secret, nonce="1", now=first_entry)
    # Left and came back: the first entry counts.
    checkin_scan(
        event=event,
        secret=made["sian"].ticket_secret,
        nonce="2",
        direction="exit",
        now=first_entry + datetime.timedelta(hours=1),
    )
    checkin_scan(
        event=event,
        secret=made["sian"].ticket_secret,
        nonce="3",
        now=first_entry + datetime.timedelta(hours=2),
    )
    checkin_scan(event=event, secret=made["eira"].ticket_secret, nonce="4")
    checkin_scan(event=event, secret=made["formula"].ticket_secret, nonce="5")
    # A scan undone is no attendance.
    mistake = checkin_scan(event=event, secret=made["owain"].ticket_secret, nonce="6").checkin
    checkin_undo(checkin=mistake)
    made["first_entry"] = first_entry
    return made


def url(name, event):
    return reverse(f"events:{name}", args=[event.slug])


def test_attendance_counts_in_all_per_ticket_type_and_organisation(staff_client, event, places):
    response = staff_client.get(url("staff_attendance", event))

    assert response.status_code == 200
    report = response.context["report"]
    assert report.total == AttendanceLine("All places", booked=6, came=3)
    assert report.total.rate == 50
    # In the event's ticket order; a ticket with no confirmed places is left out.
    assert report.by_ticket_type == [
        AttendanceLine("Speaker", 2, 1),
        AttendanceLine("Standard", 4, 2),
    ]
    # Case and spaces do not split an organisation; no organisation comes last.
    assert report.by_organisation == [
        AttendanceLine("@risk", 1, 1),
        AttendanceLine("Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy", 2, 1),
        AttendanceLine("Gwynedd Council", 2, 1),
        AttendanceLine("No organisation given", 1, 0),
    ]
    # By surname.
    assert [p.last_name for p in report.came] == ["+SUM(A1)", "Ellis", "Hughes"]
    assert [p.last_name for p in report.did_not_come] == ["Jones", "Lloyd", "Żak"]

    content = response.content.decode()
    assert "3 of 6 confirmed delegates came (50%)." in content
    assert "Cai" not in content and "Pat" not in content
    assert "Gwynedd Council" in content and "Zoë Żak" in content


def test_attendance_rates_round_half_up():
    assert AttendanceLine("x", 8, 1).rate == 13  # 12.5%
    assert AttendanceLine("x", 3, 2).rate == 67
    assert AttendanceLine("x", 3, 1).rate == 33
    assert AttendanceLine("x", 0, 0).rate is None
    assert AttendanceLine("x", 4, 1).did_not_come == 3


def test_an_event_with_no_places(staff_client, event):
    response = staff_client.get(url("staff_attendance", event))

    assert response.status_code == 200
    assert "There are no confirmed places at this event yet" in response.content.decode()


def test_attendance_csv(staff_client, event, places):
    response = staff_client.get(url("staff_attendance_csv", event))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="share-digital-attendance-{today:%Y-%m-%d}.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "First name",
        "Last name",
        "Organisation",
        "Ticket type",
        "Came",
        "First entry",
        "Booking reference",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(rows) == 7
    assert set(by_name) == {"Siân", "Dafydd", "Eira", "Owain", "Zoë", "'=cmd"}
    sian = places["sian"]
    assert by_name["Siân"] == [
        "Siân",
        "Ellis",
        "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        "Standard",
        "Yes",
        "2030-05-14 09:05",
        sian.order.reference,
    ]
    assert by_name["Owain"][4:6] == ["No", ""]
    # Cells a spreadsheet would run as formulas are defused.
    assert by_name["'=cmd"][1:3] == ["'+SUM(A1)", "'@risk"]


def test_the_csv_costs_the_same_queries_however_many_places(staff_client, event, places):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url("staff_attendance_csv", event)).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        RegistrationFactory(
            ticket_type=places["sian"].ticket_type, order=OrderFactory(), last_name=f"X{n}"
        )

    assert queries() == before


@pytest.mark.parametrize("name", ["staff_attendance", "staff_attendance_csv"])
def test_who_may_see_attendance(client, event, name):
    assert client.get(url(name, event)).status_code == 302
    client.force_login(UserFactory(email="rhian@conwy.gov.uk"))
    assert client.get(url(name, event)).status_code == 403
    finance = UserFactory(email="finance@digital-leaders.example")
    finance.groups.add(Group.objects.get(name=roles.FINANCE))
    client.force_login(finance)
    assert client.get(url(name, event)).status_code == 200


def test_an_unknown_event_is_404(staff_client):
    assert staff_client.get("/events/no-such-event/staff/attendance/").status_code == 404


def test_the_event_desk_links_to_attendance_and_devices(staff_client, event):
    content = staff_client.get(url("staff_event", event)).content.decode()

    assert url("staff_attendance", event) in content
    assert url("staff_devices", event) in content
