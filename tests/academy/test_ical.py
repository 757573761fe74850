"""Academy modules in a delegate's private calendar feed, parsed back as a calendar app would."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from academy.ical import cohort_calendar
from academy.models import Application, Cohort, Enrolment
from accounts.services import calendar_token_create
from tests.academy.factories import CohortFactory, EnrolmentFactory, ModuleFactory
from tests.accounts.factories import UserFactory
from tests.events.factories import london

pytestmark = pytest.mark.django_db

SITE_URL = "https://events.digital-leaders.example"
HOST = "events.digital-leaders.example"
LONDON = ZoneInfo("Europe/London")
YEAR = datetime.date.today().year + 1
JOIN_LINK = "https://meet.example.org/academy/module-2"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def delegate():
    return UserFactory(email="rhian@conwy.gov.uk", full_name="Rhian Evans")


@pytest.fixture
def cohort():
    """A cohort with two modules: one in winter (GMT), one in summer (BST), online."""
    cohort = CohortFactory(
        programme__title="Leading Digital Transformation",
        name=f"{YEAR} Spring, Manchester",
        venue="Manchester Central Library",
        venue_address="St Peter's Square\nManchester\nM2 5PD",
        starts_on=datetime.date(YEAR, 2, 10),
        ends_on=datetime.date(YEAR, 6, 9),
        modules=0,
    )
    ModuleFactory(
        cohort=cohort,
        title="Leading change",
        starts_at=london(YEAR, 2, 10, 9, 30),
        ends_at=london(YEAR, 2, 10, 16, 30),
        facilitator="Dr Amina Patel",
    )
    ModuleFactory(
        cohort=cohort,
        title="Working in the open",
        starts_at=london(YEAR, 6, 9, 9, 30),
        ends_at=london(YEAR, 6, 9, 12, 0),
        venue="Online",
        online_link=JOIN_LINK,
        facilitator="Tunde Bakare",
    )
    return cohort


def feed(client, user) -> icalendar.Calendar:
    token = calendar_token_create(user=user).token
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def entries(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(vevent["UID"]): vevent for vevent in calendar.walk("VEVENT")}


def uid(module) -> str:
    return f"academy-module-{module.pk}@{HOST}"


def modules_of(cohort: Cohort):
    return list(cohort.modules.order_by("starts_at"))


def test_feed_lists_the_modules_of_a_confirmed_enrolment_in_london_time(client, delegate, cohort):
    EnrolmentFactory(application__cohort=cohort, application__applicant=delegate)
    winter, summer = modules_of(cohort)

    calendar = feed(client, delegate)

    found = entries(calendar)
    assert set(found) == {uid(winter), uid(summer)}
    first, second = found[uid(winter)], found[uid(summer)]
    assert str(first["SUMMARY"]) == "Leading Digital Transformation: Leading change"
    # Wall-clock times in Europe/London, with the zone named and defined.
    assert first.start == datetime.datetime(YEAR, 2, 10, 9, 30, tzinfo=LONDON)
    assert first.start.utcoffset() == datetime.timedelta(0)
    assert second.start == datetime.datetime(YEAR, 6, 9, 9, 30, tzinfo=LONDON)
    assert second.end == datetime.datetime(YEAR, 6, 9, 12, 0, tzinfo=LONDON)
    assert second.start.utcoffset() == datetime.timedelta(hours=1)
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(first["LOCATION"]) == (
        "Manchester Central Library, St Peter's Square, Manchester, M2 5PD"
    )
    assert str(second["LOCATION"]) == "Online"
    assert "Facilitator: Dr Amina Patel" in str(first["DESCRIPTION"])
    assert first["SEQUENCE"] == 0
    assert str(first["STATUS"]) == "CONFIRMED"
    # The confirmed delegate gets the joining link.
    assert f"Join online: {JOIN_LINK}" in str(second["DESCRIPTION"])


def test_pending_enrolment_lists_the_modules_without_the_joining_link(client, delegate, cohort):
    EnrolmentFactory(
        application__cohort=cohort,
        application__applicant=delegate,
        state=Enrolment.State.PENDING,
    )
    _, summer = modules_of(cohort)

    found = entries(feed(client, delegate))

    assert uid(summer) in found
    assert JOIN_LINK not in str(found[uid(summer)]["DESCRIPTION"])
    assert "Join online" not in str(found[uid(summer)]["DESCRIPTION"])


def test_cancelled_enrolments_and_other_peoples_are_left_out(client, delegate, cohort):
    EnrolmentFactory(
        application__cohort=cohort,
        application__applicant=delegate,
        state=Enrolment.State.CANCELLED,
    )
    EnrolmentFactory(application__cohort=cohort)  # a colleague's place on the same cohort
    EnrolmentFactory()  # someone else's place on another cohort

    assert entries(feed(client, delegate)) == {}


def test_re_enrolling_after_cancelling_lists_each_module_once(client, delegate, cohort):
    EnrolmentFactory(
        application__cohort=cohort,
        application__applicant=delegate,
        application__state=Application.State.WITHDRAWN,
        state=Enrolment.State.CANCELLED,
    )
    EnrolmentFactory(application__cohort=cohort, application__applicant=delegate)
    EnrolmentFactory(application__cohort=cohort)  # a colleague's

    calendar = feed(client, delegate)

    assert sorted(str(v["UID"]) for v in calendar.walk("VEVENT")) == sorted(
        uid(m) for m in modules_of(cohort)
    )


def test_moving_a_module_raises_its_sequence_and_other_edits_do_not(client, delegate, cohort):
    EnrolmentFactory(application__cohort=cohort, application__applicant=delegate)
    winter, _ = modules_of(cohort)

    winter.facilitator = "Joanne Fielding"
    winter.save()
    assert entries(feed(client, delegate))[uid(winter)]["SEQUENCE"] == 0

    winter.starts_at = london(YEAR, 2, 17, 10, 0)
    winter.ends_at = london(YEAR, 2, 17, 17, 0)
    winter.save()
    moved = entries(feed(client, delegate))[uid(winter)]

    assert moved["SEQUENCE"] == 1
    assert moved.start == datetime.datetime(YEAR, 2, 17, 10, 0, tzinfo=LONDON)

    winter.venue = "Manchester Town Hall"
    winter.save(update_fields=["venue"])
    moved_again = entries(feed(client, delegate))[uid(winter)]

    assert moved_again["SEQUENCE"] == 2
    assert str(moved_again["LOCATION"]) == "Manchester Town Hall"


def test_cancelled_cohort_shows_as_cancelled_with_a_higher_sequence(client, delegate, cohort):
    EnrolmentFactory(application__cohort=cohort, application__applicant=delegate)
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.CANCELLED)
    winter, _ = modules_of(cohort)

    entry = entries(feed(client, delegate))[uid(winter)]

    assert str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["SUMMARY"]).startswith("Cancelled: ")
    assert entry["SEQUENCE"] == 1


def test_same_uid_in_the_cohort_file_which_never_has_the_joining_link(delegate, cohort):
    EnrolmentFactory(application__cohort=cohort, application__applicant=delegate)

    calendar = icalendar.Calendar.from_ical(cohort_calendar(cohort=cohort))

    found = entries(calendar)
    assert set(found) == {uid(m) for m in modules_of(cohort)}
    assert all(JOIN_LINK not in str(v.get("DESCRIPTION", "")) for v in found.values())
