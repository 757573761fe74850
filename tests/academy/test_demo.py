"""The academy's demo data: every application state, a completed delegate, idempotent."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from academy import demo
from academy.models import (
    Application,
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    Module,
    Programme,
)
from academy.selectors import certificate_get, enrolment_progress, places_left
from accounts import demo as accounts_demo
from accounts.models import User
from payments.models import Invoice, Order

pytestmark = pytest.mark.django_db

MODELS = [Programme, Cohort, Module, Application, Enrolment, Attendance, Certificate]


def seed() -> str:
    # As seed_demo runs it: inside one transaction, so the services cannot hold their own.
    with transaction.atomic():
        return demo.seed(password="demo-password", scale=1)


@pytest.fixture
def seeded():
    accounts_demo.seed(password="demo-password", scale=1)
    return seed()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in [*MODELS, User, Order, Invoice]}


def test_seeding_twice_creates_nothing_new(seeded):
    first = counts()

    summary = seed()

    assert counts() == first
    assert summary == seeded
    assert seeded.startswith("4 programmes, ")


def test_applications_in_every_state(seeded):
    states = set(Application.objects.values_list("state", flat=True))

    assert states == set(Application.State.values)
    rejected = Application.objects.filter(state=Application.State.REJECTED)
    assert all(application.decision_reason for application in rejected)
    assert Application.objects.filter(
        state=Application.State.SPONSOR_DECLINED, sponsor_comment__gt=""
    ).exists()


def test_programmes_past_and_upcoming_cohorts(seeded):
    published = set(Programme.objects.filter(is_published=True).values_list("title", flat=True))

    assert published == {
        "Leading Digital Transformation",
        "Aspiring Digital Leaders",
        "Empowering Women in Digital",
    }
    assert not Programme.objects.get(title="Digital Leadership for Councillors").is_published
    spring_2019 = Cohort.objects.get(name="2019 Spring, Manchester")
    assert spring_2019.status == Cohort.Status.CLOSED
    assert Attendance.objects.filter(module__cohort=spring_2019).exists()
    aspiring = Programme.objects.get(slug="aspiring-digital-leaders")
    assert (aspiring.completion_rule, aspiring.minimum_modules) == ("at_least", 4)

    open_cohorts = Cohort.objects.filter(status=Cohort.Status.OPEN).select_related("programme")
    left = {cohort.programme.slug: places_left(cohort=cohort) for cohort in open_cohorts}
    assert left["leading-digital-transformation"] == 2  # nearly full
    assert left["aspiring-digital-leaders"] == 0  # full...
    full = open_cohorts.get(programme__slug="aspiring-digital-leaders")
    assert (
        full.applications.filter(state=Application.State.WAITING_LIST).count() == 3
    )  # ...with a waiting list
    assert all(cohort.modules.exists() for cohort in open_cohorts)


def test_certificates_follow_the_completion_rule(seeded):
    past = Enrolment.objects.filter(cohort__starts_on__lt=timezone.localdate())
    complete = {e.pk: enrolment_progress(e).complete for e in past}
    certified = set(Certificate.objects.values_list("enrolment_id", flat=True))

    assert certified == {pk for pk, done in complete.items() if done}
    assert not all(complete.values())  # someone missed too much to complete


def test_enrolments_have_their_invoices_numbered_in_date_order(seeded):
    enrolments = Enrolment.objects.select_related("order")

    assert enrolments.exists()
    assert all(e.order.payment_method == Order.PaymentMethod.INVOICE for e in enrolments)
    assert Invoice.objects.filter(order__academy_enrolments__isnull=False).distinct().count() == (
        enrolments.count()
    )
    invoices = list(Invoice.objects.order_by("year", "sequence_number"))
    for earlier, later in itertools.pairwise(invoices):
        if earlier.year == later.year:
            assert earlier.issued_at <= later.issued_at, (earlier.number, later.number)
    assert Order.objects.filter(academy_enrolments__isnull=False, state=Order.State.PAID).exists()
    assert Order.objects.filter(
        academy_enrolments__isnull=False, state=Order.State.PENDING
    ).exists()


def test_demo_delegate_has_an_offer_and_a_certificate_that_verifies(seeded):
    delegate = User.objects.get(email="delegate@example.org")

    offer = Application.objects.get(applicant=delegate, state=Application.State.ACCEPTED)
    enrolment = Enrolment.objects.get(delegate=delegate)
    certificate = Certificate.objects.get(enrolment=enrolment)

    assert offer.cohort.programme.slug == "leading-digital-transformation"
    assert enrolment.cohort.programme.slug == "aspiring-digital-leaders"
    progress = enrolment_progress(enrolment)
    assert (progress.attended, progress.needed, progress.total, progress.complete) == (
        4,
        4,
        5,
        True,
    )
    verified = certificate_get(code=certificate.code.lower().replace("-", " "))
    assert verified == certificate
    assert verified.is_valid
    assert verified.delegate_name == "Dafydd Llewellyn-Jones"
    assert verified.programme_title == "Aspiring Digital Leaders"
    assert f"/academy/verify/{certificate.code}/" in demo.describe(password="demo-password")


def test_demo_delegate_sees_it_through_the_api(seeded):
    client = APIClient()
    client.force_authenticate(User.objects.get(email="delegate@example.org"))

    applications = client.get("/api/v1/applications/").json()["results"]
    [enrolment] = client.get("/api/v1/enrolments/").json()["results"]

    assert {a["state"] for a in applications} == {"accepted", "enrolled"}
    assert enrolment["complete"] is True
    assert enrolment["certificate"]["code"]
    assert enrolment["order_state"] == "paid"
