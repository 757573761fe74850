"""Taking attendance: a module's register and the QR scan desk."""

import html
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from academy.models import Attendance, Certificate, Enrolment
from accounts import roles
from payments.models import Order
from tests.academy.factories import AttendanceFactory, CohortFactory, EnrolmentFactory
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
    return CohortFactory(name="2027 Spring, Manchester", modules=2)


@pytest.fixture
def modules(cohort):
    return list(cohort.modules.order_by("starts_at"))


def enrol(cohort, name, **kwargs):
    return EnrolmentFactory(
        application__cohort=cohort,
        application__full_name=name,
        application__email=f"{name.split()[0].lower()}@example.org",
        **kwargs,
    )


@pytest.fixture
def rhian(cohort):
    return enrol(cohort, "Rhian Pritchard")


@pytest.fixture
def dafydd(cohort):
    return enrol(cohort, "Dafydd Jones")


@pytest.fixture
def unpaid(cohort):
    return enrol(
        cohort,
        "Owain Lloyd",
        state=Enrolment.State.PENDING,
        confirmed_at=None,
        order__payment_method=Order.PaymentMethod.CARD,
    )


def text(response) -> str:
    """The page's words as a reader meets them: no tags, entities decoded, spaces collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(html.unescape(words).split())


def register_url(module):
    return reverse("academy:manage_register", args=[module.pk])


def scan_url(module):
    return reverse("academy:manage_scan", args=[module.pk])


# --- Who may see and do what ------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, modules):
    for url in (register_url(modules[0]), scan_url(modules[0])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_people_without_the_permission_are_refused(client, modules, rhian):
    client.force_login(UserFactory())
    for url in (register_url(modules[0]), scan_url(modules[0])):
        assert client.get(url).status_code == 403
    assert client.post(scan_url(modules[0]), {"code": rhian.qr_secret}).status_code == 403
    assert not Attendance.objects.exists()


def test_programme_managers_see_the_pages(pm_client, modules):
    assert pm_client.get(register_url(modules[0])).status_code == 200
    assert pm_client.get(scan_url(modules[0])).status_code == 200


def test_seeing_the_register_does_not_allow_marking_it(client, modules, rhian):
    viewer = UserFactory()
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_attendance", content_type__app_label="academy")
    )
    client.force_login(viewer)

    page = client.get(register_url(modules[0]))
    assert page.status_code == 200
    assert "Save register" not in text(page)
    assert client.get(scan_url(modules[0])).status_code == 403
    response = client.post(register_url(modules[0]), {f"mark-{rhian.pk}": "present"})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


# --- The register -------------------------------------------------------------------------


def test_the_register_lists_delegates_with_their_marks(pm_client, pm, modules, rhian, dafydd):
    AttendanceFactory(module=modules[0], enrolment=rhian, recorded_by=pm)
    cancelled = enrol(modules[0].cohort, "Cancelled Person", state=Enrolment.State.CANCELLED)

    response = pm_client.get(register_url(modules[0]))

    page = text(response)
    content = response.content.decode()
    assert "Register: Module 1" in page
    assert page.index("Dafydd Jones") < page.index("Rhian Pritchard")
    assert "Cancelled Person" not in page
    assert f'name="mark-{rhian.pk}" type="radio" value="present" checked' in content
    assert f'name="mark-{dafydd.pk}" type="radio" value="present">' in content
    assert "Present, recorded by Nia Roberts at" in page
    assert "Was Dafydd Jones there?" in page
    assert f"mark-{cancelled.pk}" not in content


def test_saving_the_register_records_each_mark(pm_client, pm, modules, rhian, dafydd):
    response = pm_client.post(
        register_url(modules[0]),
        {f"mark-{rhian.pk}": "present", f"mark-{dafydd.pk}": "absent"},
    )

    assert response.status_code == 302
    page = text(pm_client.get(response["Location"]))
    assert "Register saved for Module 1: 2 marks changed." in page
    assert "1 present, 1 absent" in page
    marks = {
        a.enrolment_id: (a.status, a.method, a.recorded_by)
        for a in Attendance.objects.filter(module=modules[0])
    }
    assert marks == {
        rhian.pk: ("present", "register", pm),
        dafydd.pk: ("absent", "register", pm),
    }


def test_saving_the_register_issues_the_certificate_when_the_rule_is_met(
    pm_client, modules, rhian, dafydd, mailoutbox, django_capture_on_commit_callbacks
):
    AttendanceFactory(module=modules[0], enrolment=rhian)
    AttendanceFactory(module=modules[0], enrolment=dafydd, status=Attendance.Status.ABSENT)

    with django_capture_on_commit_callbacks(execute=True):
        pm_client.post(
            register_url(modules[1]),
            {f"mark-{rhian.pk}": "present", f"mark-{dafydd.pk}": "present"},
        )

    certificate = Certificate.objects.get()
    assert certificate.enrolment == rhian
    assert certificate.modules_attended == 2
    assert [m.to for m in mailoutbox] == [["rhian@example.org"]]
    assert certificate.code in mailoutbox[0].body


def test_an_unpaid_place_is_shown_but_cannot_be_marked(pm_client, modules, rhian, unpaid):
    response = pm_client.get(register_url(modules[0]))

    page = text(response)
    assert "Owain Lloyd" in page
    assert "Waiting for payment" in page
    assert "Their card payment has not been made, so they cannot be marked yet." in page
    assert f'name="mark-{unpaid.pk}"' not in response.content.decode()
    assert f'name="mark-{rhian.pk}"' in response.content.decode()


def test_a_register_naming_someone_it_cannot_mark_saves_nothing(pm_client, modules, rhian, unpaid):
    response = pm_client.post(
        register_url(modules[0]),
        {f"mark-{rhian.pk}": "present", f"mark-{unpaid.pk}": "present"},
    )

    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "The register lists someone who is not a confirmed delegate of this cohort." in page
    assert not Attendance.objects.exists()
    # What was chosen is still chosen, so it can be put right.
    assert f'name="mark-{rhian.pk}" type="radio" value="present" checked' in (
        response.content.decode()
    )


def test_a_register_with_a_mark_that_is_not_present_or_absent_is_an_error(
    pm_client, modules, rhian
):
    response = pm_client.post(register_url(modules[0]), {f"mark-{rhian.pk}": "late"})

    assert "Mark each delegate present or absent" in text(response)
    assert not Attendance.objects.exists()


def test_saving_an_empty_register_is_an_error(pm_client, modules, rhian):
    response = pm_client.post(register_url(modules[0]), {})

    page = text(response)
    assert "Mark at least one delegate present or absent" in page
    assert f'href="#mark-{rhian.pk}-present"' in response.content.decode()


def test_a_register_for_another_cohort_saves_nothing(pm_client, modules, rhian):
    stranger = enrol(CohortFactory(), "Siân Evans")

    response = pm_client.post(
        register_url(modules[0]),
        {f"mark-{rhian.pk}": "present", f"mark-{stranger.pk}": "present"},
    )

    assert "not a confirmed delegate of this cohort" in text(response)
    assert not Attendance.objects.exists()


# --- The scan desk ------------------------------------------------------------------------


def test_the_scan_desk_counts_confirmed_delegates(pm_client, modules, rhian, dafydd, unpaid):
    AttendanceFactory(module=modules[0], enrolment=rhian)

    response = pm_client.get(scan_url(modules[0]))

    page = text(response)
    assert "1 of 2 present" in page
    assert "autofocus" in response.content.decode()
    assert "Scan QR codes: Module 1" in page
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_scanning_marks_present_then_says_already(pm_client, pm, modules, rhian, dafydd):
    first = pm_client.post(scan_url(modules[0]), {"code": rhian.qr_secret})

    page = text(first)
    assert first.status_code == 200
    assert "Marked present" in page
    assert "Rhian Pritchard" in page
    assert "1 of 2 present" in page
    assert "scan-result scan-result--ok" in first.content.decode()
    attendance = Attendance.objects.get()
    assert attendance.enrolment == rhian
    assert (attendance.status, attendance.method, attendance.recorded_by) == (
        "present",
        "scan",
        pm,
    )

    again = text(pm_client.post(scan_url(modules[0]), {"code": f"  {rhian.qr_secret} "}))
    assert "Already marked present at " in again
    assert "Nothing has changed" in again
    assert "1 of 2 present" in again
    assert Attendance.objects.count() == 1


def test_scanning_an_unknown_code(pm_client, modules, rhian):
    response = pm_client.post(scan_url(modules[0]), {"code": "not-a-real-code"})

    page = text(response)
    assert "Code not recognised" in page
    assert "This code is not an academy enrolment." in page
    assert "scan-result--stop" in response.content.decode()
    assert not Attendance.objects.exists()


def test_scanning_a_delegate_of_another_cohort(pm_client, modules):
    stranger = enrol(CohortFactory(), "Siân Evans")

    page = text(pm_client.post(scan_url(modules[0]), {"code": stranger.qr_secret}))

    assert "Not marked" in page
    assert "Siân Evans is enrolled on another cohort." in page
    assert not Attendance.objects.exists()


def test_scanning_an_unpaid_place(pm_client, modules, unpaid):
    page = text(pm_client.post(scan_url(modules[0]), {"code": unpaid.qr_secret}))

    assert "Owain Lloyd's place has not been paid for." in page
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("data", [{"code": "  "}, {}])
def test_scanning_nothing_is_an_error(pm_client, modules, data):
    response = pm_client.post(scan_url(modules[0]), data)

    page = text(response)
    assert "There is a problem" in page
    assert "Scan a QR code or type its code" in page
    assert 'href="#id_code"' in response.content.decode()


def test_the_desk_answers_its_script_in_json(pm_client, modules, rhian, dafydd):
    url = scan_url(modules[0])
    accept = {"HTTP_ACCEPT": "application/json"}

    ok = pm_client.post(url, {"code": rhian.qr_secret}, **accept).json()
    again = pm_client.post(url, {"code": rhian.qr_secret}, **accept).json()
    unknown = pm_client.post(url, {"code": "nope"}, **accept).json()
    empty = pm_client.post(url, {"code": ""}, **accept)
    counts = pm_client.get(url, {"counts": 1}, **accept).json()

    assert ok["result"]["kind"] == "ok"
    assert ok["result"]["heading"] == "Marked present"
    assert ok["result"]["name"] == "Rhian Pritchard"
    assert ok["counts"] == {"present": 1, "expected": 2}
    assert again["result"]["kind"] == "warn"
    assert again["result"]["heading"].startswith("Already marked present at ")
    assert unknown["result"]["kind"] == "stop"
    assert empty.status_code == 400
    assert empty.json()["errors"] == ["Scan a QR code or type its code"]
    assert counts == {"counts": {"present": 1, "expected": 2}}
