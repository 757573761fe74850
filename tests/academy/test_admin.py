"""Programme managers set programmes and cohorts up in the admin, and look at the rest."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy.models import Application, Cohort, Module, Programme
from academy.services.certificates import certificate_issue
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Programme managers"))
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def completed_enrolment():
    """A confirmed delegate who attended every module, with their certificate."""
    cohort = CohortFactory(
        starts_on=datetime.date(2019, 3, 12), ends_on=datetime.date(2019, 7, 9), modules=2
    )
    enrolment = EnrolmentFactory(application__cohort=cohort, application__full_name="Gwen Morgan")
    for module in cohort.modules.all():
        AttendanceFactory(module=module, enrolment=enrolment)
    return enrolment, certificate_issue(enrolment=enrolment, by=None)


# --- Programmes and cohorts ------------------------------------------------------------


PROGRAMME_FORM = {
    "title": "Digital Leadership for Councillors",
    "slug": "digital-leadership-for-councillors",
    "summary": "For elected members.",
    "body": "",
    "position": "4",
    "audience": "Councillors.",
    "level": "senior",
    "learning_outcomes": "Ask the right questions",
    "duration": "Two half days",
    "delivery_partner": "",
    "requires_sponsor": "",
    "completion_rule": "all",
    "minimum_modules": "",
    "cohorts-TOTAL_FORMS": "0",
    "cohorts-INITIAL_FORMS": "0",
}


def test_manager_adds_a_draft_programme(manager_client):
    response = manager_client.post("/admin/academy/programme/add/", PROGRAMME_FORM)

    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get(slug="digital-leadership-for-councillors")
    assert not programme.is_published
    assert not programme.requires_sponsor


def test_slug_is_prepopulated_from_the_title(manager_client):
    page = text(manager_client.get("/admin/academy/programme/add/"))

    assert (
        "&quot;id&quot;: &quot;#id_slug&quot;, &quot;name&quot;: &quot;slug&quot;, "
        "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]"
    ) in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "manage"}, "is used by the academy"),
        (
            {"completion_rule": "at_least", "minimum_modules": ""},
            "programme_at_least_needs_minimum",
        ),
    ],
)
def test_bad_programme_is_refused(manager_client, fields, message):
    response = manager_client.post("/admin/academy/programme/add/", {**PROGRAMME_FORM, **fields})

    assert message in text(response)
    assert not Programme.objects.exists()


def test_programme_list_shows_the_completion_rule_and_filters(manager_client):
    ProgrammeFactory(
        title="Aspiring Digital Leaders",
        completion_rule=Programme.CompletionRule.AT_LEAST,
        minimum_modules=4,
    )
    ProgrammeFactory(title="Unpublished idea", slug="unpublished-idea", is_published=False)

    page = text(manager_client.get("/admin/academy/programme/?is_published__exact=1"))

    assert "Aspiring Digital Leaders" in page
    assert "At least 4 modules" in page
    assert "Unpublished idea" not in page
    drafts = text(manager_client.get("/admin/academy/programme/?is_published__exact=0"))
    assert 'href="/academy/unpublished-idea/"' in drafts
    assert ">Preview<" in drafts


def test_cohort_list_shows_places_taken(manager_client):
    cohort = CohortFactory(name="2027 Spring, Manchester", capacity=12)
    ApplicationFactory.create_batch(3, cohort=cohort, state=Application.State.ENROLLED)
    ApplicationFactory(cohort=cohort, state=Application.State.UNDER_REVIEW)

    page = text(manager_client.get("/admin/academy/cohort/"))

    assert "2027 Spring, Manchester" in page
    assert "3 / 12 (9 left)" in page


def test_manager_adds_a_cohort_with_its_modules(manager_client):
    programme = ProgrammeFactory()

    response = manager_client.post(
        "/admin/academy/cohort/add/",
        {
            "programme": programme.pk,
            "name": "2030 Spring, Leeds",
            "slug": "2030-spring-leeds",
            "status": "open",
            "starts_on": "2030-03-12",
            "ends_on": "2030-05-14",
            "delivery": "in_person",
            "venue": "Leeds Civic Hall",
            "venue_address": "",
            "capacity": "16",
            "member_price_net": "1800.00",
            "price_net": "2400.00",
            "vat_rate": "20.00",
            "applications_close_at_0": "2030-02-14",
            "applications_close_at_1": "17:00:00",
            "modules-TOTAL_FORMS": "2",
            "modules-INITIAL_FORMS": "0",
            "modules-0-title": "Leading change",
            "modules-0-starts_at_0": "2030-03-12",
            "modules-0-starts_at_1": "09:30:00",
            "modules-0-ends_at_0": "2030-03-12",
            "modules-0-ends_at_1": "16:30:00",
            "modules-1-title": "Delivering outcomes",
            "modules-1-starts_at_0": "2030-05-14",
            "modules-1-starts_at_1": "09:30:00",
            "modules-1-ends_at_0": "2030-05-14",
            "modules-1-ends_at_1": "16:30:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    cohort = Cohort.objects.get(slug="2030-spring-leeds")
    assert list(cohort.modules.values_list("title", flat=True)) == [
        "Leading change",
        "Delivering outcomes",
    ]


def test_moving_a_cohort_moves_its_modules_in_calendars(manager_client):
    cohort = CohortFactory(venue="Manchester Central Library", modules=0)
    at_venue = Module.objects.create(
        cohort=cohort,
        title="In the room",
        starts_at=london(2030, 3, 12, 9, 30),
        ends_at=london(2030, 3, 12, 16, 30),
    )
    online = Module.objects.create(
        cohort=cohort,
        title="Online",
        venue="Online",
        starts_at=london(2030, 4, 12, 9, 30),
        ends_at=london(2030, 4, 12, 12, 0),
    )
    url = f"/admin/academy/cohort/{cohort.pk}/change/"
    form = {
        "programme": cohort.programme_id,
        "name": cohort.name,
        "slug": cohort.slug,
        "status": cohort.status,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "delivery": cohort.delivery,
        "venue": "Manchester Town Hall",
        "venue_address": "Albert Square\nManchester",
        "capacity": cohort.capacity,
        "member_price_net": cohort.member_price_net,
        "price_net": cohort.price_net,
        "vat_rate": cohort.vat_rate,
        "applications_close_at_0": "2030-02-14",
        "applications_close_at_1": "17:00:00",
        "modules-TOTAL_FORMS": "2",
        "modules-INITIAL_FORMS": "2",
    }
    for index, module in enumerate([at_venue, online]):
        starts, ends = timezone.localtime(module.starts_at), timezone.localtime(module.ends_at)
        form.update(
            {
                f"modules-{index}-id": module.pk,
                f"modules-{index}-cohort": cohort.pk,
                f"modules-{index}-title": module.title,
                f"modules-{index}-venue": module.venue,
                f"modules-{index}-starts_at_0": starts.date().isoformat(),
                f"modules-{index}-starts_at_1": starts.strftime("%H:%M:%S"),
                f"modules-{index}-ends_at_0": ends.date().isoformat(),
                f"modules-{index}-ends_at_1": ends.strftime("%H:%M:%S"),
            }
        )

    response = manager_client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    at_venue.refresh_from_db()
    online.refresh_from_db()
    assert (at_venue.sequence, online.sequence) == (1, 0)


# --- Applications --------------------------------------------------------------------


def test_application_list_filters_by_state_and_cohort(manager_client):
    cohort = CohortFactory(name="2027 Spring, Manchester")
    ApplicationFactory(cohort=cohort, full_name="Aisha Khan")
    ApplicationFactory(
        cohort=cohort,
        full_name="Marcus Bennett",
        state=Application.State.REJECTED,
        decision_reason="Not this year.",
    )
    ApplicationFactory(full_name="Tomasz Nowak")

    page = text(
        manager_client.get(f"/admin/academy/application/?state=under_review&cohort={cohort.pk}")
    )

    assert "Aisha Khan" in page
    assert "Marcus Bennett" not in page
    assert "Tomasz Nowak" not in page


def test_application_search_finds_by_organisation(manager_client):
    ApplicationFactory(full_name="Aisha Khan", organisation="Derby City Council")
    ApplicationFactory(full_name="Marcus Bennett", organisation="Blackpool Council")

    page = text(manager_client.get("/admin/academy/application/?q=derby"))

    assert "Aisha Khan" in page
    assert "Marcus Bennett" not in page


def test_manager_corrects_details_but_not_the_state(manager_client):
    application = ApplicationFactory(role="Head of Digtal")
    url = f"/admin/academy/application/{application.pk}/change/"
    assert "Under review" in text(manager_client.get(url))

    response = manager_client.post(
        url,
        {
            "full_name": application.full_name,
            "email": application.email,
            "role": "Head of Digital",
            "organisation": application.organisation,
            "time_in_role": application.time_in_role,
            "motivation": application.motivation,
            "access_needs": "",
            "sponsor_name": application.sponsor_name,
            "sponsor_email": application.sponsor_email,
            # Read-only fields are ignored, whatever is posted.
            "state": "accepted",
            "decision_reason": "Let in through the back door",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert application.role == "Head of Digital"
    assert application.state == Application.State.UNDER_REVIEW
    assert application.decision_reason == ""


def test_applications_cannot_be_added_or_deleted_in_the_admin(superuser_client):
    application = ApplicationFactory()

    assert superuser_client.get("/admin/academy/application/add/").status_code == 403
    response = superuser_client.post(
        f"/admin/academy/application/{application.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert Application.objects.filter(pk=application.pk).exists()


# --- Enrolments, attendance and certificates: read-only --------------------------------


def test_enrolment_is_read_only_and_hides_the_qr_secret(manager_client):
    enrolment, _ = completed_enrolment()
    url = f"/admin/academy/enrolment/{enrolment.pk}/change/"

    page = text(manager_client.get(url))

    assert "Gwen Morgan" in text(manager_client.get("/admin/academy/enrolment/"))
    assert enrolment.qr_secret not in page
    assert 'name="_save"' not in page
    assert manager_client.post(url, {"state": "cancelled"}).status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.state == "confirmed"


def test_attendance_is_a_read_only_list(manager_client):
    completed_enrolment()

    page = text(manager_client.get("/admin/academy/attendance/"))

    assert page.count("Gwen Morgan") == 2
    assert manager_client.get("/admin/academy/attendance/add/").status_code == 403


def test_certificate_cannot_be_changed_or_deleted_even_by_a_superuser(superuser_client):
    _, certificate = completed_enrolment()

    listing = text(superuser_client.get("/admin/academy/certificate/"))
    response = superuser_client.post(
        f"/admin/academy/certificate/{certificate.pk}/delete/", {"post": "yes"}
    )

    assert certificate.code in listing
    assert f'href="/academy/verify/{certificate.code}/"' in listing
    assert response.status_code == 403
    assert (
        superuser_client.post(
            f"/admin/academy/certificate/{certificate.pk}/change/",
            {"delegate_name": "Someone Else"},
        ).status_code
        == 403
    )
    certificate.refresh_from_db()
    assert certificate.delegate_name == "Gwen Morgan"


def test_delegate_cannot_use_the_academy_admin(client):
    client.force_login(UserFactory())

    assert client.get("/admin/academy/application/").status_code == 302
