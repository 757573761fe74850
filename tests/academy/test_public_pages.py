"""The academy's public pages, as a visitor meets them: the academy home, a programme
with its cohorts, and a cohort's calendar file."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from academy.models import Application, Cohort, Programme
from accounts import roles
from tests.academy.factories import (
    ApplicationFactory,
    CohortFactory,
    ModuleFactory,
    ProgrammeFactory,
)
from tests.academy.pages import visible_text as _text
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SITE_URL = "https://academy.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


def london(year, month, day, hour=9, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def manager():
    user = UserFactory(email="academy-pm@example.org")
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGERS))
    return user


@pytest.fixture
def cohort():
    """An open cohort in 2030 with three modules, one of them a half day."""
    programme = ProgrammeFactory(
        title="Leading Digital Transformation",
        slug="leading-digital-transformation",
        summary="For digital leaders who take their organisation through change.",
        body="Five modules over six months.\n\nLearn with peers from councils and the NHS.",
        audience="Heads of digital and service directors in the public sector.",
        level=Programme.Level.SENIOR,
        learning_outcomes=(
            "Lead change across services\n\nBuild a digital strategy with your board"
        ),
        duration="Six months, three modules",
        delivery_partner="Northern Business School",
    )
    cohort = CohortFactory(
        programme=programme,
        name="2030 Spring, Manchester",
        slug="2030-spring",
        starts_on=datetime.date(2030, 3, 4),
        ends_on=datetime.date(2030, 7, 1),
        applications_close_at=london(2030, 2, 1, 17),
        capacity=20,
        price_net=Decimal("2400.00"),
        member_price_net=Decimal("1800.00"),
        modules=0,
    )
    ModuleFactory(
        cohort=cohort,
        title="Leading through change",
        starts_at=london(2030, 3, 4, 9, 30),
        ends_at=london(2030, 3, 4, 16, 30),
    )
    ModuleFactory(
        cohort=cohort,
        title="Strategy with your board",
        starts_at=london(2030, 5, 6, 12),
        ends_at=london(2030, 5, 6, 17),
        venue="Leeds Civic Hall",
    )
    ModuleFactory(
        cohort=cohort,
        title="Showing the difference",
        starts_at=london(2030, 7, 1, 9),
        ends_at=london(2030, 7, 1, 13),
    )
    return cohort


def _programme_page(client, programme):
    return client.get(reverse("academy:programme", args=[programme.slug]))


def _hold_places(cohort, count):
    for _ in range(count):
        ApplicationFactory(
            cohort=cohort,
            state=Application.State.ACCEPTED,
            offer_expires_at=timezone.now() + datetime.timedelta(days=7),
        )


# --- the academy home --------------------------------------------------------------


def test_academy_home_lists_published_programmes_with_their_next_cohort(client, cohort):
    ProgrammeFactory(title="Secret Programme", is_published=False)
    ProgrammeFactory(title="Aspiring Digital Leaders", level=Programme.Level.EMERGING)

    response = client.get(reverse("academy:home"))

    assert response.status_code == 200
    text = _text(response)
    assert "Leadership Academy" in text
    assert "Leading Digital Transformation" in text
    assert "For digital leaders who take their organisation through change." in text
    assert "Senior leaders · Six months, three modules" in text
    assert "Next cohort: 2030 Spring, Manchester, 4 March to 1 July 2030" in text
    assert "Apply by 5pm on 1 February 2030" in text
    assert "Places available 20 places left" in text
    assert "Aspiring Digital Leaders" in text
    assert "No cohorts are planned at the moment." in text
    assert "Secret Programme" not in text
    assert f'href="{reverse("academy:programme", args=[cohort.programme.slug])}"' in (
        response.content.decode()
    )


def test_academy_home_skips_closed_cohorts_for_the_next_open_one(client, cohort):
    CohortFactory(
        programme=cohort.programme,
        name="2029 Autumn, Leeds",
        starts_on=datetime.date(2029, 10, 1),
        ends_on=datetime.date(2030, 1, 10),
        status=Cohort.Status.CLOSED,
    )

    text = _text(client.get(reverse("academy:home")))

    assert "Next cohort: 2030 Spring, Manchester" in text
    assert "2029 Autumn, Leeds" not in text


def test_academy_home_query_count_does_not_grow_with_programmes(client, cohort):
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("academy:home"))
    for _ in range(3):
        CohortFactory(programme=ProgrammeFactory())
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("academy:home"))

    assert response.status_code == 200
    assert len(four) == len(one)


def test_site_home_shows_open_cohorts(client, cohort):
    text = _text(client.get("/"))

    assert "Leadership Academy: open for applications" in text
    assert "2030 Spring, Manchester , 4 March to 1 July 2030" in text
    assert "Apply by 5pm on 1 February 2030" in text


# --- a programme -------------------------------------------------------------------


def test_programme_page_describes_the_programme(client, cohort):
    response = _programme_page(client, cohort.programme)

    assert response.status_code == 200
    text = _text(response)
    for expected in [
        "Leading Digital Transformation",
        "For digital leaders who take their organisation through change.",
        "Five modules over six months.",
        "Learn with peers from councils and the NHS.",
        "Who it is for Heads of digital and service directors in the public sector.",
        "Level Senior leaders",
        "Duration Six months, three modules",
        "Delivered with Northern Business School",
        "Attend every module of your cohort to complete the programme and get a certificate.",
        "Your application needs the support of your line manager or another sponsor",
    ]:
        assert expected in text
    html = response.content.decode()
    assert "<li>Lead change across services</li>" in html
    assert "<li>Build a digital strategy with your board</li>" in html


def test_programme_page_shows_each_cohort_with_modules_places_fees_and_apply(client, cohort):
    response = _programme_page(client, cohort.programme)

    text = _text(response)
    assert "2030 Spring, Manchester" in text
    assert "Dates 4 March to 1 July 2030" in text
    assert "Where In person: Manchester Central Library St Peter's Square" in text.replace(
        "&#x27;", "'"
    )
    assert "Application deadline 5pm on 1 February 2030" in text
    assert "Places available 20 places left" in text
    assert "Leading through change Monday 4 March 2030 9:30am to 4:30pm" in text
    assert "Strategy with your board Leeds Civic Hall Monday 6 May 2030 midday to 5pm" in text
    assert "Showing the difference Monday 1 July 2030 9am to 1pm" in text
    assert "Attend all 3 modules to complete the programme." in text
    # Fees: member and non-member, without and with VAT.
    assert "Member organisations £1,800.00 £2,160.00" in text
    assert "Non-member organisations £2,400.00 £2,880.00" in text
    assert "Including VAT at 20%" in text
    assert "Sign in to see your price." in text
    html = response.content.decode()
    apply = reverse("academy:apply", args=[cohort.programme.slug, cohort.slug])
    assert f'href="{apply}"' in html
    ics = reverse("academy:cohort_ics", args=[cohort.programme.slug, cohort.slug])
    assert f'href="{ics}"' in html
    assert "Add the modules to your calendar" in text


def test_signed_in_member_sees_their_price(client, cohort):
    OrganisationFactory(name="Leeds City Council", domains=["leeds.gov.uk"])
    client.force_login(UserFactory(email="ada@leeds.gov.uk"))

    text = _text(_programme_page(client, cohort.programme))

    assert "Your price: £1,800.00 plus VAT (£2,160.00 including VAT)" in text
    assert "You get the member price" in text
    assert "Sign in to see your price" not in text


def test_signed_in_non_member_sees_the_non_member_price(client, cohort):
    client.force_login(UserFactory(email="sam@supplier.example"))

    text = _text(_programme_page(client, cohort.programme))

    assert "Your price: £2,400.00 plus VAT (£2,880.00 including VAT)" in text


def test_few_places_left_and_fully_booked(client, cohort):
    _hold_places(cohort, 18)

    text = _text(_programme_page(client, cohort.programme))
    assert "Few places left 2 places left" in text

    _hold_places(cohort, 2)

    response = _programme_page(client, cohort.programme)
    text = _text(response)
    assert "Fully booked Fully booked – join the waiting list by applying" in text
    # A full cohort still takes applications, for its waiting list.
    apply = reverse("academy:apply", args=[cohort.programme.slug, cohort.slug])
    assert f'href="{apply}"' in response.content.decode()


def test_expired_offers_do_not_take_places(client, cohort):
    ApplicationFactory(
        cohort=cohort,
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    ApplicationFactory(cohort=cohort, state=Application.State.ENROLLED)

    assert "19 places left" in _text(_programme_page(client, cohort.programme))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": Cohort.Status.CLOSED}, "Applications for this cohort are closed."),
        (
            {"applications_close_at": timezone.now() - datetime.timedelta(minutes=1)},
            "The deadline for applications has passed.",
        ),
        ({"status": Cohort.Status.CANCELLED}, "This cohort has been cancelled."),
    ],
)
def test_cohort_not_taking_applications_says_why_and_has_no_apply_button(
    client, cohort, changes, reason
):
    Cohort.objects.filter(pk=cohort.pk).update(**changes)

    response = _programme_page(client, cohort.programme)

    text = _text(response)
    assert f"You cannot apply for this cohort. {reason}" in text
    apply = reverse("academy:apply", args=[cohort.programme.slug, cohort.slug])
    assert apply not in response.content.decode()


def test_at_least_rule_is_explained(client, cohort):
    Programme.objects.filter(pk=cohort.programme.pk).update(
        completion_rule=Programme.CompletionRule.AT_LEAST, minimum_modules=2
    )

    text = _text(_programme_page(client, cohort.programme))

    assert "Attend at least 2 modules of your cohort to complete the programme" in text
    assert "Attend at least 2 of the 3 modules to complete the programme." in text


def test_programme_without_a_sponsor_rule_says_so(client, cohort):
    Programme.objects.filter(pk=cohort.programme.pk).update(requires_sponsor=False)

    assert "You do not need a sponsor’s support to apply." in _text(
        _programme_page(client, cohort.programme)
    )


def test_draft_cohorts_are_hidden_from_the_public(client, cohort):
    CohortFactory(programme=cohort.programme, name="2031 Draft cohort", status="draft")

    text = _text(_programme_page(client, cohort.programme))

    assert "2031 Draft cohort" not in text
    assert "2030 Spring, Manchester" in text


def test_draft_programme_is_404_to_the_public_and_to_other_users(client, cohort):
    Programme.objects.filter(pk=cohort.programme.pk).update(is_published=False)

    assert _programme_page(client, cohort.programme).status_code == 404
    client.force_login(UserFactory())
    assert _programme_page(client, cohort.programme).status_code == 404


def test_programme_manager_previews_a_draft_programme_and_draft_cohorts(client, cohort, manager):
    Programme.objects.filter(pk=cohort.programme.pk).update(is_published=False)
    CohortFactory(programme=cohort.programme, name="2031 Draft cohort", status="draft")
    client.force_login(manager)

    response = _programme_page(client, cohort.programme)

    assert response.status_code == 200
    text = _text(response)
    assert "Preview This programme is a draft." in text
    assert "2031 Draft cohort" in text
    assert "This cohort is a draft." in text
    assert "People can apply once the programme is published." in text
    assert "no-store" in response["Cache-Control"]


def test_unknown_programme_is_404(client):
    assert client.get("/academy/no-such-programme/").status_code == 404


def test_programme_text_is_escaped(client, cohort):
    Programme.objects.filter(pk=cohort.programme.pk).update(
        summary="<script>alert(1)</script>", body="<b>bold</b>"
    )

    html = _programme_page(client, cohort.programme).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


# --- the cohort's calendar file ------------------------------------------------------


def _ics(client, programme_slug, cohort_slug):
    return client.get(reverse("academy:cohort_ics", args=[programme_slug, cohort_slug]))


def test_cohort_ics_has_every_module_in_london_time(client, cohort):
    response = _ics(client, cohort.programme.slug, cohort.slug)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="leading-digital-transformation-2030-spring.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    modules = list(cohort.modules.order_by("starts_at"))
    assert [str(event["UID"]) for event in events] == [
        f"academy-module-{module.pk}@academy.digital-leaders.example" for module in modules
    ]
    assert len({str(event["UID"]) for event in events}) == 3
    first, second, _ = events
    assert first.start == london(2030, 3, 4, 9, 30)
    assert str(first.start.tzinfo) == "Europe/London"
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.end == london(2030, 3, 4, 16, 30)
    # Summer time: still 12:00 on the wall clock in May.
    assert second.start == london(2030, 5, 6, 12)
    assert second.start.utcoffset() == datetime.timedelta(hours=1)
    assert str(first["SUMMARY"]) == "Leading Digital Transformation: Leading through change"
    assert str(first["LOCATION"]) == (
        "Manchester Central Library, St Peter's Square, Manchester, M2 5PD"
    )
    assert str(second["LOCATION"]) == "Leeds Civic Hall"
    assert first["SEQUENCE"] == 0
    assert calendar.walk("VTIMEZONE")


def test_cohort_ics_sequence_rises_when_a_module_moves(client, cohort):
    module = cohort.modules.order_by("starts_at").first()
    module.starts_at += datetime.timedelta(hours=1)
    module.save()

    calendar = icalendar.Calendar.from_ical(
        _ics(client, cohort.programme.slug, cohort.slug).content
    )

    first = calendar.walk("VEVENT")[0]
    assert first["SEQUENCE"] == 1
    assert first.start == london(2030, 3, 4, 10, 30)


def test_cohort_ics_of_a_cancelled_cohort_cancels_its_modules(client, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.CANCELLED)

    calendar = icalendar.Calendar.from_ical(
        _ics(client, cohort.programme.slug, cohort.slug).content
    )

    assert {str(event["STATUS"]) for event in calendar.walk("VEVENT")} == {"CANCELLED"}


def test_cohort_ics_is_404_for_unknown_draft_or_unpublished(client, cohort):
    draft = CohortFactory(programme=cohort.programme, status="draft")

    assert _ics(client, cohort.programme.slug, "no-such-cohort").status_code == 404
    assert _ics(client, "no-such-programme", cohort.slug).status_code == 404
    assert _ics(client, cohort.programme.slug, draft.slug).status_code == 404
    Programme.objects.filter(pk=cohort.programme.pk).update(is_published=False)
    assert _ics(client, cohort.programme.slug, cohort.slug).status_code == 404
