"""The cohort page and its CSV, and one delegate's page: progress, issuing and
revoking certificates, cancelling an enrolment."""

import csv
import datetime
import html
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from academy.models import Application, Attendance, Certificate, Enrolment
from academy.selectors import certificate_get
from accounts import roles
from payments.models import CreditNote, Order
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


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
def cohort():
    return CohortFactory(
        programme=ProgrammeFactory(title="Leading Digital Transformation", slug="ldt"),
        name="2027 Spring, Manchester",
        slug="2027-spring",
        capacity=10,
        modules=2,
    )


@pytest.fixture
def modules(cohort):
    return list(cohort.modules.order_by("starts_at"))


def enrol(cohort, name, **kwargs):
    return EnrolmentFactory(
        application__cohort=cohort,
        application__full_name=name,
        application__email=f"{name.split()[0].lower()}@example.org",
        application__organisation=kwargs.pop("organisation", "Leeds City Council"),
        **kwargs,
    )


@pytest.fixture
def rhian(cohort):
    return enrol(cohort, "Rhian Pritchard", organisation="Conwy County Borough Council")


def attend(enrolment, modules, status=Attendance.Status.PRESENT):
    for module in modules:
        AttendanceFactory(module=module, enrolment=enrolment, status=status)


def text(response) -> str:
    """The page's words as a reader meets them: no tags, entities decoded, spaces collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(html.unescape(words).split())


def cohort_url(cohort):
    return reverse("academy:manage_cohort", args=[cohort.pk])


def enrolment_url(enrolment):
    return reverse("academy:manage_enrolment", args=[enrolment.pk])


# --- Who may see and do what ------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort, rhian):
    for url in (cohort_url(cohort), enrolment_url(rhian)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_people_without_the_permission_are_refused(client, cohort, rhian):
    client.force_login(UserFactory())
    for url in (cohort_url(cohort), enrolment_url(rhian), f"{cohort_url(cohort)}?download=csv"):
        assert client.get(url).status_code == 403
    assert client.post(enrolment_url(rhian), {"action": "issue"}).status_code == 403


def test_programme_managers_see_the_pages(pm_client, cohort, rhian):
    assert pm_client.get(cohort_url(cohort)).status_code == 200
    assert pm_client.get(enrolment_url(rhian)).status_code == 200


def test_finance_may_look_but_not_issue_revoke_or_cancel(client, cohort, modules, rhian):
    attend(rhian, modules)
    certificate = Certificate.objects.create(
        enrolment=rhian,
        delegate_name="Rhian Pritchard",
        programme_title="Leading Digital Transformation",
        cohort_name=cohort.name,
        modules_attended=2,
        modules_total=2,
        completed_on=timezone.localdate(),
        issued_at=timezone.now(),
    )
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    client.force_login(user)

    assert client.get(cohort_url(cohort)).status_code == 200
    page = client.get(enrolment_url(rhian))
    assert page.status_code == 200
    assert "Cancel enrolment" not in text(page)
    assert client.get(f"{enrolment_url(rhian)}?confirm=cancel").status_code == 403
    assert (
        client.post(
            enrolment_url(rhian),
            {"action": "revoke", "certificate": certificate.pk, "reason": "Wrong"},
        ).status_code
        == 403
    )
    assert (
        client.post(enrolment_url(rhian), {"action": "cancel", "reason": "x"}).status_code == 403
    )
    certificate.refresh_from_db()
    rhian.refresh_from_db()
    assert certificate.is_valid and rhian.state == Enrolment.State.CONFIRMED


# --- The cohort page ----------------------------------------------------------------------


def test_the_cohort_page_shows_modules_delegates_payments_and_the_waiting_list(
    pm_client, cohort, modules, rhian
):
    paid = enrol(cohort, "Dafydd Jones", order__state=Order.State.PAID)
    card = enrol(
        cohort,
        "Owain Lloyd",
        state=Enrolment.State.PENDING,
        order__payment_method=Order.PaymentMethod.CARD,
    )
    enrol(cohort, "Gone Away", state=Enrolment.State.CANCELLED)
    attend(rhian, modules)
    attend(paid, modules[:1])
    AttendanceFactory(module=modules[1], enrolment=paid, status=Attendance.Status.ABSENT)
    Certificate.objects.create(
        enrolment=paid,
        code="ABCD-EFGH-JKLM",
        delegate_name="Dafydd Jones",
        programme_title="Leading Digital Transformation",
        cohort_name=cohort.name,
        modules_attended=2,
        modules_total=2,
        completed_on=timezone.localdate(),
        issued_at=timezone.now(),
    )
    now = timezone.now()
    for name, days in (("Second Waiting", 1), ("First Waiting", 3)):
        ApplicationFactory(
            cohort=cohort,
            full_name=name,
            state=Application.State.WAITING_LIST,
            waiting_since=now - datetime.timedelta(days=days),
        )

    response = pm_client.get(cohort_url(cohort))

    page = text(response)
    content = response.content.decode()
    # Modules, with their register and scan desk.
    assert "Module 1" in page and "Module 2" in page
    assert "2 present, 2 recorded" in page
    assert "1 present, 2 recorded" in page
    assert reverse("academy:manage_register", args=[modules[0].pk]) in content
    assert reverse("academy:manage_scan", args=[modules[1].pk]) in content
    assert "Take register for Module 1" in page
    assert "Scan QR codes for Module 2" in page
    # Delegates, with payment, attendance, completion and certificate.
    assert "Gone Away" not in page
    assert "2 confirmed, 1 waiting for card payment, 1 cancelled" in page
    assert "Rhian Pritchard Conwy County Borough Council Confirmed Invoice unpaid" in page
    assert "Dafydd Jones Leeds City Council Confirmed Paid" in page
    assert "Owain Lloyd Leeds City Council Waiting for payment Card payment pending" in page
    assert "2 of 2 Yes Issue certificate to Rhian Pritchard" in page
    assert "1 of 2 Not yet (2 needed) ABCD-EFGH-JKLM" in page
    assert "0 of 2 Not yet (2 needed) None" in page
    # The waiting list, first in line first.
    assert page.index("First Waiting") < page.index("Second Waiting")
    assert reverse("academy:cohort_ics", args=["ldt", "2027-spring"]) in content
    assert "?download=csv" in content
    assert card.order.reference in page


def test_the_delegates_csv_has_a_bom_and_defuses_formulas(pm_client, cohort, modules, rhian):
    enrol(cohort, "=HYPERLINK(evil)", organisation="+44 Council")
    attend(rhian, modules)

    response = pm_client.get(cohort_url(cohort), {"download": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ldt-2027-spring-delegates-' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][:5] == ["Name", "Email", "Job title", "Organisation", "Enrolment"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Rhian Pritchard", "'=HYPERLINK(evil)"}
    assert by_name["'=HYPERLINK(evil)"][3] == "'+44 Council"
    rhian_row = dict(zip(rows[0], by_name["Rhian Pritchard"], strict=True))
    assert rhian_row["Payment"] == "Invoice unpaid"
    assert rhian_row["Modules attended"] == "2"
    assert rhian_row["Completed"] == "Yes"


# --- A delegate's page: progress and certificates -------------------------------------------


def test_the_delegate_page_shows_progress_per_module(pm_client, modules, rhian):
    AttendanceFactory(module=modules[0], enrolment=rhian)

    page = text(pm_client.get(enrolment_url(rhian)))

    assert "Rhian Pritchard" in page
    assert "Attended 1 of the 2 modules needed to complete (2 in the cohort)." in page
    assert "Module 1" in page and "Present" in page
    assert "Module 2" in page and "Upcoming" in page
    assert "No certificate has been issued." in page


def test_issuing_is_refused_until_the_rule_is_met(pm_client, modules, rhian):
    AttendanceFactory(module=modules[0], enrolment=rhian)

    response = pm_client.post(enrolment_url(rhian), {"action": "issue"})

    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Rhian Pritchard has attended 1 of the 2 modules needed to complete." in page
    assert 'href="#issue"' in response.content.decode()
    assert not Certificate.objects.exists()


def test_issuing_a_certificate(
    pm_client, pm, modules, rhian, mailoutbox, django_capture_on_commit_callbacks
):
    attend(rhian, modules)

    with django_capture_on_commit_callbacks(execute=True):
        response = pm_client.post(enrolment_url(rhian), {"action": "issue"})

    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.issued_by == pm
    page = text(pm_client.get(response["Location"]))
    assert f"Certificate {certificate.code} issued to Rhian Pritchard" in page
    assert "Valid" in page and "by Nia Roberts" in page
    assert [m.to for m in mailoutbox] == [["rhian@example.org"]]


def test_issuing_from_the_cohort_page_returns_there(pm_client, cohort, modules, rhian):
    attend(rhian, modules)

    response = pm_client.post(enrolment_url(rhian), {"action": "issue", "next": "cohort"})

    assert response["Location"] == cohort_url(cohort)
    code = Certificate.objects.get().code
    assert code in text(pm_client.get(cohort_url(cohort)))


def test_revoking_a_certificate_then_the_public_page_says_so(pm_client, pm, modules, rhian):
    attend(rhian, modules)
    pm_client.post(enrolment_url(rhian), {"action": "issue"})
    certificate = Certificate.objects.get()

    confirm = pm_client.get(
        enrolment_url(rhian), {"confirm": "revoke", "certificate": certificate.pk}
    )
    assert f"Revoke certificate {certificate.code}" in text(confirm)

    no_reason = pm_client.post(
        enrolment_url(rhian), {"action": "revoke", "certificate": certificate.pk, "reason": " "}
    )
    assert "Give a reason for revoking the certificate" in text(no_reason)
    certificate.refresh_from_db()
    assert certificate.is_valid

    response = pm_client.post(
        enrolment_url(rhian),
        {
            "action": "revoke",
            "certificate": certificate.pk,
            "reason": "Issued in error: the register was wrong.",
        },
        follow=True,
    )

    page = text(response)
    assert f"Certificate {certificate.code} has been revoked" in page
    assert "Revoked" in page
    assert "by Nia Roberts. Reason: “Issued in error: the register was wrong.”" in page
    certificate.refresh_from_db()
    assert certificate.revoked_by == pm
    assert certificate_get(code=certificate.code).is_valid is False
    public = text(pm_client.get(reverse("academy:verify_code", args=[certificate.code])))
    assert "Certificate revoked" in public
    # A new certificate can be issued by hand.
    assert 'id="issue"' in response.content.decode()


def test_revoking_another_delegates_certificate_is_not_found(pm_client, cohort, modules, rhian):
    other = enrol(cohort, "Dafydd Jones")
    attend(other, modules)
    pm_client.post(enrolment_url(other), {"action": "issue"})
    certificate = Certificate.objects.get()

    response = pm_client.post(
        enrolment_url(rhian),
        {"action": "revoke", "certificate": certificate.pk, "reason": "Wrong"},
    )

    assert response.status_code == 404
    assert (
        pm_client.get(enrolment_url(rhian), {"confirm": "revoke", "certificate": "x"}).status_code
        == 404
    )
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_an_unknown_action_is_a_bad_request(pm_client, rhian):
    assert pm_client.post(enrolment_url(rhian), {"action": "delete"}).status_code == 400


# --- Cancelling an enrolment ----------------------------------------------------------------


def test_cancelling_an_enrolment_asks_first_and_needs_a_reason(pm_client, rhian):
    confirm = text(pm_client.get(enrolment_url(rhian), {"confirm": "cancel"}))
    assert "Cancel the enrolment of Rhian Pritchard" in confirm
    assert "A credit note is issued against the invoice for the place" in confirm

    response = pm_client.post(enrolment_url(rhian), {"action": "cancel", "reason": ""})

    assert "Give a reason for cancelling the enrolment" in text(response)
    rhian.refresh_from_db()
    assert rhian.state == Enrolment.State.CONFIRMED


def test_cancelling_an_enrolment(
    pm_client, cohort, rhian, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pm_client.post(
            enrolment_url(rhian),
            {"action": "cancel", "reason": "Left the council"},
        )

    assert response.status_code == 302
    page = text(pm_client.get(response["Location"]))
    assert "The enrolment for Rhian Pritchard is cancelled" in page
    assert "Cancel enrolment" not in page
    rhian.refresh_from_db()
    assert rhian.state == Enrolment.State.CANCELLED
    assert rhian.application.state == Application.State.WITHDRAWN
    assert CreditNote.objects.filter(order=rhian.order, reason="Left the council").exists()
    assert "rhian@example.org" in [m.to[0] for m in mailoutbox]
    assert "Rhian Pritchard" not in text(pm_client.get(cohort_url(cohort)))
    already = text(pm_client.get(enrolment_url(rhian), {"confirm": "cancel"}))
    assert "This enrolment is already cancelled." in already


def test_cancelling_an_unpaid_card_place_says_nothing_is_charged(pm_client, cohort):
    unpaid = enrol(
        cohort,
        "Owain Lloyd",
        state=Enrolment.State.PENDING,
        order__payment_method=Order.PaymentMethod.CARD,
    )

    page = text(pm_client.get(enrolment_url(unpaid), {"confirm": "cancel"}))

    assert "Their card payment has not been made, so nothing is charged" in page
