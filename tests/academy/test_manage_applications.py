"""The academy desk: the cohorts page, the applications list with filters and bulk
decisions, and reviewing one application."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from academy.models import Application, Cohort
from accounts import roles
from tests.academy.factories import (
    ApplicationFactory,
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("academy:manage_applications")


@pytest.fixture
def pm():
    user = UserFactory(email="academy@digital-leaders.example", full_name="Nia Roberts")
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGERS))
    return user


@pytest.fixture
def pm_client(client, pm):
    client.force_login(pm)
    return client


@pytest.fixture
def programme():
    return ProgrammeFactory(title="Leading Digital Transformation", slug="ldt")


@pytest.fixture
def cohort(programme):
    return CohortFactory(programme=programme, name="2027 Spring, Manchester", capacity=20)


def apply(cohort, name, *, minutes_ago=0, **kwargs):
    return ApplicationFactory(
        cohort=cohort,
        full_name=name,
        submitted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        **kwargs,
    )


def text(response) -> str:
    """The page's words as a reader meets them: no tags, entities decoded, spaces collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(html.unescape(words).split())


# --- Who may see and do what ------------------------------------------------------------


def pages(cohort):
    application = apply(cohort, "Ada Lovelace")
    return [
        reverse("academy:manage"),
        LIST,
        reverse("academy:manage_application", args=[application.pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    for url in pages(cohort):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_people_without_the_permission_are_refused(client, cohort):
    client.force_login(UserFactory())
    for url in pages(cohort):
        assert client.get(url).status_code == 403, url


def test_programme_managers_see_the_pages(pm_client, cohort):
    for url in pages(cohort):
        assert pm_client.get(url).status_code == 200, url


def test_viewing_alone_does_not_allow_decisions(client, cohort):
    application = apply(cohort, "Ada Lovelace")
    viewer = UserFactory()
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_application", content_type__app_label="academy")
    )
    client.force_login(viewer)

    page = client.get(reverse("academy:manage_application", args=[application.pk]))
    assert page.status_code == 200
    assert "Save decision" not in text(page)
    assert (
        client.post(
            reverse("academy:manage_application", args=[application.pk]), {"decision": "accept"}
        ).status_code
        == 403
    )
    assert (
        client.post(LIST, {"action": "accept", "applications": [application.pk]}).status_code
        == 403
    )
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_the_nav_link_shows_for_programme_managers_only(client, pm, cohort):
    client.force_login(pm)
    assert 'href="/academy/manage/"' in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory())
    assert 'href="/academy/manage/"' not in client.get(reverse("home")).content.decode()


# --- The desk's front page ----------------------------------------------------------------


def test_the_desk_lists_cohorts_by_programme_with_places_and_counts(pm_client, programme):
    today = timezone.localdate()
    upcoming = CohortFactory(programme=programme, name="2027 Spring, Leeds", capacity=10)
    past = CohortFactory(
        programme=programme,
        name="2024 Autumn, Cardiff",
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=200),
        status=Cohort.Status.CLOSED,
    )
    CohortFactory(programme=programme, name="Cancelled run", status=Cohort.Status.CANCELLED)
    other = CohortFactory(
        programme=ProgrammeFactory(title="Aspiring Digital Leaders"), name="2027 Summer, Bristol"
    )
    apply(upcoming, "Awaiting", state=Application.State.AWAITING_SPONSOR)
    apply(upcoming, "Review one")
    apply(upcoming, "Review two")
    apply(
        upcoming,
        "Waiting",
        state=Application.State.WAITING_LIST,
        waiting_since=timezone.now(),
    )
    apply(
        upcoming,
        "Offered",
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=5),
    )
    EnrolmentFactory(application__cohort=upcoming, application__full_name="Enrolled")

    page = text(pm_client.get(reverse("academy:manage")))

    assert "Cancelled run" not in page
    assert page.index("Leading Digital Transformation") < page.index("2027 Spring, Leeds")
    assert page.index("2027 Spring, Leeds") < page.index("2024 Autumn, Cardiff")
    assert "Aspiring Digital Leaders" in page and other.name in page
    # Two places are held (the open offer and the enrolment).
    assert "2 of 10 taken" in page and "8 left" in page
    assert "Awaiting sponsor: 1" in page
    assert "To review: 2" in page
    assert "Waiting list: 1" in page
    assert "Accepted: 1" in page
    assert "Enrolled: 1" in page
    assert (
        f"?cohort={upcoming.pk}&amp;state=under_review"
        in pm_client.get(reverse("academy:manage")).content.decode()
    )
    assert (
        reverse("academy:manage_cohort", args=[past.pk])
        in pm_client.get(reverse("academy:manage")).content.decode()
    )


# --- The list and its filters -------------------------------------------------------------


def test_filters_narrow_the_list(pm_client, cohort, programme):
    other = CohortFactory(programme=ProgrammeFactory(title="Aspiring Digital Leaders"))
    apply(cohort, "Rhian Pritchard", organisation="Conwy County Borough Council")
    apply(
        cohort,
        "Dafydd Jones",
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    apply(other, "Siân Evans", role="Chief Digital Officer")

    assert "3 applications." in text(pm_client.get(LIST))

    by_search = text(pm_client.get(LIST, {"q": "conwy"}))
    assert "Rhian Pritchard" in by_search and "Dafydd Jones" not in by_search
    assert "1 application matches your filters" in by_search

    by_role = text(pm_client.get(LIST, {"q": "chief digital"}))
    assert "Siân Evans" in by_role and "Rhian Pritchard" not in by_role

    by_state = text(pm_client.get(LIST, {"state": "awaiting_sponsor"}))
    assert "Dafydd Jones" in by_state and "Rhian Pritchard" not in by_state

    by_sponsor = text(pm_client.get(LIST, {"sponsor": "supported"}))
    assert "Rhian Pritchard" in by_sponsor and "Dafydd Jones" not in by_sponsor

    by_programme = text(pm_client.get(LIST, {"programme": programme.pk}))
    assert "Rhian Pritchard" in by_programme and "Siân Evans" not in by_programme

    by_cohort = text(pm_client.get(LIST, {"cohort": other.pk}))
    assert "Siân Evans" in by_cohort and "Rhian Pritchard" not in by_cohort


def test_filter_values_that_do_not_parse_are_ignored(pm_client, cohort):
    apply(cohort, "Rhian Pritchard")

    response = pm_client.get(
        LIST,
        {"programme": "abc", "cohort": "999999", "state": "nonsense", "sponsor": "x", "page": "z"},
    )

    assert response.status_code == 200
    page = text(response)
    assert "Some filters were not understood and have been ignored" in page
    assert "Rhian Pritchard" in page


def test_the_list_shows_fifty_a_page(pm_client, cohort):
    for n in range(51):
        apply(cohort, f"Applicant {n:02d}", minutes_ago=100 - n)

    first = text(pm_client.get(LIST))
    second = text(pm_client.get(LIST, {"page": 2}))

    assert "51 applications, showing 1 to 50" in first
    assert "Applicant 00" in first and "Applicant 50" not in first
    assert "Applicant 50" in second and "Applicant 00" not in second


def test_each_row_has_a_labelled_checkbox_for_decidable_applications(pm_client, cohort):
    open_one = apply(cohort, "Rhian Pritchard")
    done = apply(cohort, "Dafydd Jones", state=Application.State.REJECTED)

    html = pm_client.get(LIST).content.decode()

    assert f'id="select-{open_one.pk}"' in html
    assert "Select Rhian Pritchard" in html
    assert f'id="select-{done.pk}"' not in html
    assert reverse("academy:manage_application", args=[open_one.pk]) in html


# --- Bulk decisions -----------------------------------------------------------------------


def test_bulk_accept_fills_the_cohort_and_says_who_was_refused_and_why(
    pm_client, pm, programme, mailoutbox, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(programme=programme, name="2027 Spring, Leeds", capacity=2)
    first = apply(cohort, "First In", minutes_ago=30)
    second = apply(cohort, "Second In", minutes_ago=20)
    third = apply(cohort, "Third In", minutes_ago=10)
    waiting_sponsor = apply(
        cohort,
        "No Sponsor Yet",
        minutes_ago=5,
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    chosen = [third.pk, waiting_sponsor.pk, first.pk, second.pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = pm_client.post(
            f"{LIST}?cohort={cohort.pk}", {"action": "accept", "applications": chosen}
        )

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?cohort={cohort.pk}"
    page = text(pm_client.get(response["Location"]))
    assert "Accepted 2 applications" in page
    assert "2 applications could not be accepted" in page
    assert "Third In (2027 Spring, Leeds): There are no places left on 2027 Spring, Leeds" in page
    assert "No Sponsor Yet (2027 Spring, Leeds): The sponsor has not supported" in page
    states = {a.full_name: a.state for a in Application.objects.filter(cohort=cohort)}
    assert states == {
        "First In": Application.State.ACCEPTED,
        "Second In": Application.State.ACCEPTED,
        "Third In": Application.State.UNDER_REVIEW,
        "No Sponsor Yet": Application.State.AWAITING_SPONSOR,
    }
    assert Application.objects.get(pk=first.pk).decided_by == pm
    # Only the two accepted applicants are emailed; the refused ones are untouched.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, second.email])
    # The refusals are shown once, not on every later visit.
    assert "could not be accepted" not in text(pm_client.get(LIST))


def test_bulk_decision_with_nothing_ticked_is_an_error(pm_client, cohort):
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(LIST, {"action": "accept"})

    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Select at least one application" in page
    assert f'href="#select-{application.pk}"' in response.content.decode()
    assert "<title>Error:" in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_bulk_reject_needs_a_reason_and_changes_nothing_without_one(pm_client, cohort):
    one = apply(cohort, "Rhian Pritchard")
    two = apply(cohort, "Dafydd Jones")

    response = pm_client.post(
        LIST, {"action": "reject", "reason": "  ", "applications": [one.pk, two.pk]}
    )

    page = text(response)
    assert "Give a reason for rejecting the applications" in page
    assert 'href="#reason"' in response.content.decode()
    # What was ticked stays ticked.
    assert f'value="{one.pk}" checked' in response.content.decode()
    assert set(Application.objects.values_list("state", flat=True)) == {"under_review"}


def test_bulk_reject_and_waiting_list(pm_client, cohort):
    one = apply(cohort, "Rhian Pritchard")
    two = apply(cohort, "Dafydd Jones")
    three = apply(cohort, "Siân Evans")

    pm_client.post(
        LIST,
        {"action": "reject", "reason": "Places go to heads of service.", "applications": [one.pk]},
    )
    response = pm_client.post(
        LIST, {"action": "waiting_list", "applications": [two.pk, three.pk]}, follow=True
    )

    assert "Put 2 applications on the waiting list" in text(response)
    one.refresh_from_db()
    assert one.state == Application.State.REJECTED
    assert one.decision_reason == "Places go to heads of service."
    assert set(
        Application.objects.filter(pk__in=[two.pk, three.pk]).values_list("state", flat=True)
    ) == {Application.State.WAITING_LIST}


def test_bulk_decision_with_an_unknown_application_is_an_error(pm_client, cohort):
    apply(cohort, "Rhian Pritchard")

    response = pm_client.post(LIST, {"action": "accept", "applications": ["999999"]})

    assert response.status_code == 200
    assert "There is a problem" in text(response)


# --- One application ----------------------------------------------------------------------


def review_url(application):
    return reverse("academy:manage_application", args=[application.pk])


def test_the_review_page_shows_the_answers_sponsor_places_and_history(pm_client, cohort):
    application = apply(
        cohort,
        "Rhian Pritchard",
        email="rhian@conwy.gov.uk",
        role="Head of Digital",
        organisation="Conwy County Borough Council",
        motivation="To lead our move to common platforms.",
        access_needs="Step-free access",
        sponsor_name="Gwen Morgan",
        sponsor_email="gwen@conwy.gov.uk",
        sponsor_comment="Rhian leads our digital team and has my full support.",
        sponsor_decided_at=timezone.now(),
    )
    EnrolmentFactory(application__cohort=cohort)

    page = text(pm_client.get(review_url(application)))

    for expected in (
        "rhian@conwy.gov.uk",
        "Head of Digital",
        "Conwy County Borough Council",
        "1 to 3 years",
        "To lead our move to common platforms.",
        "Step-free access",
        "Gwen Morgan",
        "gwen@conwy.gov.uk",
        "Supported",
        "Rhian leads our digital team and has my full support.",
        "19 of 20",
        "Submitted by Rhian Pritchard",
        "The sponsor supported the application",
        "Accept: offer a place",
        "Put on the waiting list",
        "Reject",
    ):
        assert expected in page, expected


def test_accepting_an_application(pm_client, pm, cohort):
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(review_url(application), {"decision": "accept"})

    assert response.status_code == 302
    page = text(pm_client.get(response["Location"]))
    assert "Rhian Pritchard has been offered a place" in page
    assert "Decided by Nia Roberts" in page
    application.refresh_from_db()
    assert application.state == Application.State.ACCEPTED
    assert application.decided_by == pm
    assert application.offer_expires_at is not None


def test_saving_without_a_decision_is_an_error(pm_client, cohort):
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(review_url(application), {})

    assert "Choose a decision" in text(response)
    assert 'href="#decision-accept"' in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_rejecting_needs_a_reason(pm_client, cohort):
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(review_url(application), {"decision": "reject", "reason": ""})

    page = text(response)
    assert "There is a problem" in page
    assert "Give a reason for rejecting the application" in page
    assert 'value="reject" checked' in response.content.decode()
    assert 'href="#reason"' in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_rejecting_with_a_reason_is_shown_in_the_history(pm_client, cohort):
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(
        review_url(application),
        {"decision": "reject", "reason": "The cohort is for heads of service."},
        follow=True,
    )

    page = text(response)
    assert "Rhian Pritchard’s application has been rejected" in page
    assert "Reason: “The cohort is for heads of service.”" in page
    assert "No decision can be taken now: the application is not successful." in page


def test_a_refusal_from_the_service_is_shown_in_the_error_summary(pm_client, programme):
    cohort = CohortFactory(programme=programme, name="Tiny cohort", capacity=1)
    EnrolmentFactory(application__cohort=cohort)
    application = apply(cohort, "Rhian Pritchard")

    response = pm_client.post(review_url(application), {"decision": "accept"})

    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "There are no places left on Tiny cohort" in page
    assert "no places left on this cohort. Put the application on the waiting list" in page
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_only_possible_decisions_are_offered(pm_client, cohort):
    awaiting = apply(
        cohort,
        "Dafydd Jones",
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    enrolled = EnrolmentFactory(application__cohort=cohort).application

    awaiting_page = pm_client.get(review_url(awaiting)).content.decode()
    assert 'id="decision-reject"' in awaiting_page
    assert 'id="decision-accept"' not in awaiting_page
    assert "only once the sponsor supports it" in awaiting_page

    # A decision that is not offered is refused, never taken.
    response = pm_client.post(review_url(awaiting), {"decision": "accept"})
    assert "Choose one of the decisions shown" in text(response)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_SPONSOR

    enrolled_page = text(pm_client.get(review_url(enrolled)))
    assert "No decision can be taken now: the application is enrolled." in enrolled_page
    assert "Save decision" not in enrolled_page


def test_an_unknown_application_is_not_found(pm_client):
    assert pm_client.get(reverse("academy:manage_application", args=[999999])).status_code == 404


def test_a_note_with_another_decision_goes_to_the_applicant(pm_client, cohort):
    application = apply(cohort, "Rhian Pritchard")

    pm_client.post(
        review_url(application),
        {"decision": "waiting_list", "reason": "You are first in line if a place frees up."},
    )

    application.refresh_from_db()
    assert application.state == Application.State.WAITING_LIST
    assert application.decision_reason == "You are first in line if a place frees up."
