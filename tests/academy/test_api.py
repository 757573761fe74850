"""The academy API: programmes (public), applying, your applications and enrolments."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from academy.models import Application, Attendance, Cohort, Enrolment, Programme
from academy.services.certificates import certificate_issue
from payments.models import Order
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ModuleFactory,
    ProgrammeFactory,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import london

pytestmark = pytest.mark.django_db

PROGRAMMES = "/api/v1/programmes/"
APPLICATIONS = "/api/v1/applications/"
ENROLMENTS = "/api/v1/enrolments/"
NEXT_YEAR = timezone.localdate().year + 1
PASSWORD = "correct-horse-battery"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def application_body(of: Cohort, **overrides) -> dict:
    return {
        "programme": of.programme.slug,
        "cohort": of.slug,
        "role": "Head of Digital Services",
        "organisation": "Conwy County Borough Council",
        "time_in_role": "1_to_3",
        "sponsor_name": "Gareth Davies",
        "sponsor_email": "gareth.davies@conwy.gov.uk",
        "motivation": "To lead our move to common platforms.",
        "access_needs": "Step-free access",
        "consent": True,
        **overrides,
    }


@pytest.fixture
def applicant():
    return UserFactory(email="rhian@conwy.gov.uk", full_name="Rhian Evans")


@pytest.fixture
def cohort():
    return CohortFactory(
        programme=ProgrammeFactory(slug="leading-digital-transformation"),
        slug="2027-spring",
    )


# --- GET /programmes/ ------------------------------------------------------------------


def test_programme_list_gives_every_field_in_its_documented_format(api_client):
    programme = ProgrammeFactory(
        slug="aspiring-digital-leaders",
        title="Aspiring Digital Leaders",
        summary="For people stepping into leadership.",
        level=Programme.Level.EMERGING,
        duration="Five months, five modules",
        delivery_partner="Northern Business School",
        completion_rule=Programme.CompletionRule.AT_LEAST,
        minimum_modules=4,
        requires_sponsor=False,
    )
    cohort = CohortFactory(
        programme=programme,
        name=f"{NEXT_YEAR} Summer, Birmingham",
        slug=f"{NEXT_YEAR}-summer",
        starts_on=datetime.date(NEXT_YEAR, 6, 9),
        ends_on=datetime.date(NEXT_YEAR, 10, 6),
        venue="The Exchange, Birmingham",
        capacity=10,
        price_net=Decimal("2400.00"),
        member_price_net=Decimal("1800.00"),
        vat_rate=Decimal("20.00"),
        # Winter: the deadline's offset is +00:00, the June module's +01:00.
        applications_close_at=london(NEXT_YEAR, 1, 31, 17, 0),
        modules=0,
    )
    ModuleFactory(
        cohort=cohort,
        title="Knowing yourself as a leader",
        starts_at=london(NEXT_YEAR, 6, 9, 9, 30),
        ends_at=london(NEXT_YEAR, 6, 9, 16, 30),
        venue="",
        facilitator="Sian Rees",
    )
    ModuleFactory(
        cohort=cohort,
        title="Working in the open",
        starts_at=london(NEXT_YEAR, 7, 7, 9, 30),
        ends_at=london(NEXT_YEAR, 7, 7, 12, 0),
        venue="Online",
        facilitator="Tunde Bakare",
    )
    # Two places held: one enrolled, one open offer; a lapsed offer holds none.
    ApplicationFactory(cohort=cohort, state=Application.State.ENROLLED)
    ApplicationFactory(
        cohort=cohort,
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    ApplicationFactory(
        cohort=cohort,
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    response = api_client.get(PROGRAMMES)

    assert results(response) == [
        {
            "slug": "aspiring-digital-leaders",
            "title": "Aspiring Digital Leaders",
            "summary": "For people stepping into leadership.",
            "level": "emerging",
            "duration": "Five months, five modules",
            "delivery_partner": "Northern Business School",
            "completion_rule": "at_least",
            "minimum_modules": 4,
            "requires_sponsor": False,
            "url": "http://testserver/academy/aspiring-digital-leaders/",
            "cohorts": [
                {
                    "slug": f"{NEXT_YEAR}-summer",
                    "name": f"{NEXT_YEAR} Summer, Birmingham",
                    "starts_on": f"{NEXT_YEAR}-06-09",
                    "ends_on": f"{NEXT_YEAR}-10-06",
                    "delivery": "in_person",
                    "venue": "The Exchange, Birmingham",
                    "status": "open",
                    "capacity": 10,
                    "places_left": 8,
                    "application_deadline": f"{NEXT_YEAR}-01-31T17:00:00+00:00",
                    "taking_applications": True,
                    "prices": {
                        "member": {"net": "1800.00", "vat": "360.00", "gross": "2160.00"},
                        "non_member": {"net": "2400.00", "vat": "480.00", "gross": "2880.00"},
                        "vat_rate": "20.00",
                    },
                    "modules": [
                        {
                            "title": "Knowing yourself as a leader",
                            "starts_at": f"{NEXT_YEAR}-06-09T09:30:00+01:00",
                            "ends_at": f"{NEXT_YEAR}-06-09T16:30:00+01:00",
                            "venue": "The Exchange, Birmingham",
                            "facilitator": "Sian Rees",
                        },
                        {
                            "title": "Working in the open",
                            "starts_at": f"{NEXT_YEAR}-07-07T09:30:00+01:00",
                            "ends_at": f"{NEXT_YEAR}-07-07T12:00:00+01:00",
                            "venue": "Online",
                            "facilitator": "Tunde Bakare",
                        },
                    ],
                    "ics_url": (
                        f"http://testserver/academy/aspiring-digital-leaders/{NEXT_YEAR}-summer.ics"
                    ),
                }
            ],
        }
    ]


def test_drafts_are_left_out_and_closed_cohorts_say_they_take_no_applications(api_client):
    ProgrammeFactory(slug="councillors", is_published=False)
    programme = ProgrammeFactory(slug="leading")
    CohortFactory(programme=programme, slug="draft", status=Cohort.Status.DRAFT)
    CohortFactory(programme=programme, slug="open")
    CohortFactory(programme=programme, slug="closed", status=Cohort.Status.CLOSED)
    CohortFactory(programme=programme, slug="cancelled", status=Cohort.Status.CANCELLED)
    CohortFactory(
        programme=programme,
        slug="past-deadline",
        applications_close_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    [listed] = results(api_client.get(PROGRAMMES))

    assert listed["slug"] == "leading"
    taking = {c["slug"]: (c["status"], c["taking_applications"]) for c in listed["cohorts"]}
    assert taking == {
        "open": ("open", True),
        "closed": ("closed", False),
        "cancelled": ("cancelled", False),
        "past-deadline": ("open", False),
    }


def test_full_cohort_has_no_places_left(api_client):
    cohort = CohortFactory(capacity=2)
    ApplicationFactory.create_batch(2, cohort=cohort, state=Application.State.ENROLLED)

    [programme] = results(api_client.get(PROGRAMMES))

    assert programme["cohorts"][0]["places_left"] == 0


def _programmes_with_cohorts(count: int) -> None:
    for _ in range(count):
        programme = ProgrammeFactory()
        for _ in range(2):
            cohort = CohortFactory(programme=programme, modules=3)
            ApplicationFactory(cohort=cohort, state=Application.State.ENROLLED)


def test_list_queries_do_not_grow_with_programmes_and_cohorts(
    api_client, django_assert_max_num_queries
):
    _programmes_with_cohorts(2)
    with CaptureQueriesContext(connection) as two:
        assert len(results(api_client.get(PROGRAMMES))) == 2
    _programmes_with_cohorts(8)

    with django_assert_max_num_queries(len(two.captured_queries)):
        listed = results(api_client.get(PROGRAMMES))

    assert len(listed) == 10
    assert all(len(c["modules"]) == 3 for p in listed for c in p["cohorts"])


# --- GET /programmes/{slug}/ -------------------------------------------------------------


def test_programme_detail_shows_its_public_cohorts(api_client, cohort):
    CohortFactory(programme=cohort.programme, slug="draft", status=Cohort.Status.DRAFT)

    response = api_client.get(f"{PROGRAMMES}leading-digital-transformation/")

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "leading-digital-transformation"
    assert [c["slug"] for c in body["cohorts"]] == ["2027-spring"]
    assert len(body["cohorts"][0]["modules"]) == 4


@pytest.mark.parametrize("slug", ["draft-programme", "no-such-programme"])
def test_draft_or_unknown_programme_is_a_json_404(api_client, slug):
    ProgrammeFactory(slug="draft-programme", is_published=False)

    response = api_client.get(f"{PROGRAMMES}{slug}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


# --- POST /applications/ -----------------------------------------------------------------


def test_token_holder_applies_and_the_sponsor_is_asked(
    api_client, applicant, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    token = api_client.post(
        "/api/v1/auth/token/", {"email": applicant.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(APPLICATIONS, application_body(cohort), format="json")

    assert response.status_code == 201, response.content
    application = Application.objects.get()
    body = response.json()
    assert body == {
        "id": application.pk,
        "programme": "leading-digital-transformation",
        "programme_title": cohort.programme.title,
        "cohort": "2027-spring",
        "cohort_name": cohort.name,
        "state": "awaiting_sponsor",
        "state_label": "Waiting for sponsor",
        "sponsor_decision": "pending",
        "submitted_at": timezone.localtime(application.submitted_at).isoformat(),
        "offer_expires_at": None,
        "decision_reason": None,
        "url": f"http://testserver/academy/my/applications/{application.pk}/",
    }
    # The name and address are the account's, whatever the body says.
    assert (application.full_name, application.email) == ("Rhian Evans", "rhian@conwy.gov.uk")
    assert application.applicant == applicant
    assert (application.role, application.sponsor_email) == (
        "Head of Digital Services",
        "gareth.davies@conwy.gov.uk",
    )
    assert application.access_needs == "Step-free access"
    assert sorted(tuple(m.to) for m in mailoutbox) == [
        ("gareth.davies@conwy.gov.uk",),
        ("rhian@conwy.gov.uk",),
    ]


def test_programme_without_a_sponsor_goes_straight_to_review(applicant):
    cohort = CohortFactory(programme=ProgrammeFactory(requires_sponsor=False))

    response = client_for(applicant).post(APPLICATIONS, application_body(cohort), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["state"], response.json()["sponsor_decision"]) == (
        "under_review",
        "not_needed",
    )


def test_anonymous_cannot_apply(api_client, cohort):
    response = api_client.post(APPLICATIONS, application_body(cohort), format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"consent": False}, "consent", "consent"),
        ({"sponsor_email": "not an address"}, "sponsor_email", "invalid"),
        ({"time_in_role": "forever"}, "time_in_role", "invalid_choice"),
        ({"motivation": ""}, "motivation", "blank"),
        ({"cohort": "no-such-cohort"}, "cohort", "does_not_exist"),
        ({"programme": "no-such-programme"}, "programme", "does_not_exist"),
    ],
)
def test_bad_shape_is_a_400_on_the_field_and_saves_nothing(
    applicant, cohort, overrides, field, code
):
    response = client_for(applicant).post(
        APPLICATIONS, application_body(cohort, **overrides), format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert list(body["errors"]) == [field]
    assert not Application.objects.exists()


def test_missing_fields_are_each_named(applicant):
    response = client_for(applicant).post(APPLICATIONS, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "programme",
        "cohort",
        "role",
        "organisation",
        "time_in_role",
        "sponsor_name",
        "sponsor_email",
        "motivation",
        "consent",
    }


def test_draft_cohort_is_not_found(applicant, cohort):
    draft = CohortFactory(programme=cohort.programme, slug="draft", status=Cohort.Status.DRAFT)

    response = client_for(applicant).post(APPLICATIONS, application_body(draft), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cohort"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "cohort_fields",
    [
        {"applications_close_at": timezone.now() - datetime.timedelta(minutes=1)},
        {"status": Cohort.Status.CLOSED},
        {"status": Cohort.Status.CANCELLED},
    ],
)
def test_closed_cohort_is_a_409(applicant, cohort_fields):
    closed = CohortFactory(**cohort_fields)

    response = client_for(applicant).post(APPLICATIONS, application_body(closed), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "applications_closed"
    assert not Application.objects.exists()


def test_applying_twice_is_a_409(applicant, cohort):
    client = client_for(applicant)
    assert client.post(APPLICATIONS, application_body(cohort), format="json").status_code == 201

    response = client.post(APPLICATIONS, application_body(cohort), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You have already applied for this cohort.",
        "code": "already_applied",
    }
    assert Application.objects.count() == 1


def test_sponsor_must_be_someone_else(applicant, cohort):
    response = client_for(applicant).post(
        APPLICATIONS, application_body(cohort, sponsor_email="RHIAN@conwy.gov.uk"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "self_sponsor"
    assert not Application.objects.exists()


def test_account_without_a_name_is_asked_for_one(cohort):
    nameless = UserFactory(full_name="")

    response = client_for(nameless).post(APPLICATIONS, application_body(cohort), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "name_missing"
    assert not Application.objects.exists()


# --- GET /applications/ ------------------------------------------------------------------


def test_own_applications_newest_first_with_the_reason_only_when_rejected(applicant):
    now = timezone.now()
    rejected = ApplicationFactory(
        applicant=applicant,
        state=Application.State.REJECTED,
        decision_reason="Aspiring Digital Leaders would suit you better.",
        submitted_at=now - datetime.timedelta(days=3),
    )
    accepted = ApplicationFactory(
        applicant=applicant,
        state=Application.State.ACCEPTED,
        decision_reason="Welcome aboard.",
        offer_expires_at=london(NEXT_YEAR, 1, 15, 17, 0),
        submitted_at=now - datetime.timedelta(days=1),
    )
    ApplicationFactory()  # someone else's

    listed = results(client_for(applicant).get(APPLICATIONS))

    assert [a["id"] for a in listed] == [accepted.pk, rejected.pk]
    assert listed[0]["state_label"] == "Accepted"
    assert listed[0]["decision_reason"] is None
    assert listed[0]["offer_expires_at"] == f"{NEXT_YEAR}-01-15T17:00:00+00:00"
    assert listed[1]["state"] == "rejected"
    assert listed[1]["decision_reason"] == "Aspiring Digital Leaders would suit you better."


def test_anonymous_cannot_list_applications(api_client):
    assert api_client.get(APPLICATIONS).status_code == 401


# --- GET /enrolments/ --------------------------------------------------------------------


def test_enrolment_shows_attendance_progress_order_and_certificate(applicant):
    programme = ProgrammeFactory(
        slug="aspiring", completion_rule=Programme.CompletionRule.AT_LEAST, minimum_modules=2
    )
    cohort = CohortFactory(
        programme=programme,
        slug="last-spring",
        starts_on=timezone.localdate() - datetime.timedelta(days=100),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        modules=0,
    )
    past = timezone.now() - datetime.timedelta(days=40)
    first, second, third, _upcoming = (
        ModuleFactory(
            cohort=cohort,
            title=f"Module {n}",
            starts_at=past + datetime.timedelta(days=14 * n),
            ends_at=past + datetime.timedelta(days=14 * n, hours=7),
        )
        for n in range(4)
    )
    enrolment = EnrolmentFactory(application__cohort=cohort, application__applicant=applicant)
    AttendanceFactory(module=first, enrolment=enrolment)
    AttendanceFactory(module=second, enrolment=enrolment, status=Attendance.Status.ABSENT)
    AttendanceFactory(module=third, enrolment=enrolment)
    certificate = certificate_issue(enrolment=enrolment, by=None)

    [listed] = results(client_for(applicant).get(ENROLMENTS))

    assert listed["id"] == enrolment.pk
    assert (listed["programme"], listed["cohort"], listed["state"]) == (
        "aspiring",
        "last-spring",
        "confirmed",
    )
    assert (listed["order_reference"], listed["order_state"]) == (
        enrolment.order.reference,
        "pending",
    )
    assert [(m["title"], m["attendance"]) for m in listed["modules"]] == [
        ("Module 0", "present"),
        ("Module 1", "absent"),
        ("Module 2", "present"),
        ("Module 3", "upcoming"),
    ]
    assert (listed["attended"], listed["needed"], listed["total"], listed["complete"]) == (
        2,
        2,
        4,
        True,
    )
    assert listed["certificate"] == {
        "code": certificate.code,
        "verify_url": f"http://testserver/academy/verify/{certificate.code}/",
        "pdf_url": f"http://testserver/academy/certificates/{certificate.code}.pdf",
    }
    assert listed["url"] == f"http://testserver/academy/my/enrolments/{enrolment.pk}/"


def test_enrolments_are_own_and_live_only(applicant):
    live = EnrolmentFactory(application__applicant=applicant)
    EnrolmentFactory(application__applicant=applicant, state=Enrolment.State.CANCELLED)
    EnrolmentFactory()  # someone else's

    listed = results(client_for(applicant).get(ENROLMENTS))

    assert [e["id"] for e in listed] == [live.pk]
    assert listed[0]["certificate"] is None
    assert listed[0]["complete"] is False
    assert {m["attendance"] for m in listed[0]["modules"]} == {"upcoming"}


def test_pending_card_enrolment_says_so(applicant):
    enrolment = EnrolmentFactory(
        application__applicant=applicant,
        state=Enrolment.State.PENDING,
        order__payment_method=Order.PaymentMethod.CARD,
    )

    [listed] = results(client_for(applicant).get(ENROLMENTS))

    assert (listed["state"], listed["order_reference"]) == ("pending", enrolment.order.reference)


def test_anonymous_cannot_list_enrolments(api_client):
    assert api_client.get(ENROLMENTS).status_code == 401


# --- Schema ------------------------------------------------------------------------------


def test_schema_documents_the_academy_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    paths = schema["paths"]
    assert "get" in paths["/api/v1/programmes/"]
    assert "get" in paths["/api/v1/programmes/{slug}/"]
    assert {"get", "post"} <= set(paths["/api/v1/applications/"])
    assert "get" in paths["/api/v1/enrolments/"]
    create = paths["/api/v1/applications/"]["post"]
    assert {"201", "400", "401", "409"} <= set(create["responses"])
    request = schema["components"]["schemas"]["ApplicationCreateRequest"]
    assert {"programme", "cohort", "consent"} <= set(request["required"])
    assert schema["components"]["schemas"]["ApplicationStateEnum"]["enum"] == list(
        Application.State.values
    )
