"""Certificates in public: the verification pages anyone can use, and the PDF only its
delegate and programme managers can download."""

import datetime
import io

import pytest
import segno
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from academy import documents
from academy.models import Certificate
from accounts import roles
from tests.academy.factories import CohortFactory, EnrolmentFactory
from tests.academy.pages import visible_text as _text
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://academy.digital-leaders.example"
NETWORK = "North West Digital Leaders Network"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.NETWORK_NAME = NETWORK


@pytest.fixture
def delegate():
    return UserFactory(email="ada.okafor@leeds.gov.uk", full_name="Ada Okafor")


@pytest.fixture
def certificate(delegate):
    cohort = CohortFactory(
        programme__title="Leading Digital Transformation",
        programme__delivery_partner="Northern Business School",
        name="2030 Spring, Manchester",
    )
    enrolment = EnrolmentFactory(
        application__applicant=delegate, application__full_name="Ada Okafor", cohort=cohort
    )
    return Certificate.objects.create(
        enrolment=enrolment,
        code="ABCD-EFGH-JK23",
        delegate_name="Ada Okafor",
        programme_title="Leading Digital Transformation",
        cohort_name="2030 Spring, Manchester",
        delivery_partner="Northern Business School",
        modules_attended=4,
        modules_total=4,
        completed_on=datetime.date(2030, 7, 1),
        issued_at=timezone.now(),
    )


def _revoke(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=datetime.datetime(2030, 9, 2, 10, tzinfo=datetime.UTC),
        revoke_reason="Attendance was recorded against the wrong delegate.",
    )


@pytest.fixture
def manager():
    user = UserFactory(email="academy-pm@example.org")
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGERS))
    return user


# --- the verification form ------------------------------------------------------------------


def test_verify_page_asks_for_the_code(client):
    response = client.get(reverse("academy:verify"))

    assert response.status_code == 200
    text = _text(response)
    assert "Check a Leadership Academy certificate" in text
    html = response.content.decode()
    assert '<label class="govuk-label" for="id_code">' in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_blank_code_shows_the_error_summary(client):
    response = client.get(reverse("academy:verify"), {"code": "  "})

    assert response.status_code == 400
    text = _text(response)
    assert text.startswith("Error:")
    assert "There is a problem Enter the certificate code" in text
    assert 'href="#id_code"' in response.content.decode()


def test_a_code_with_other_characters_is_refused(client):
    response = client.get(reverse("academy:verify"), {"code": "ABCD/EFGH"})

    assert response.status_code == 400
    assert "Certificate code must only include letters, numbers and hyphens" in _text(response)


def test_submitting_a_code_goes_to_its_page_in_any_case_and_spacing(client, certificate):
    response = client.get(reverse("academy:verify"), {"code": " abcd efgh jk23 "})

    assert response.status_code == 302
    assert response["Location"] == reverse("academy:verify_code", args=["ABCD-EFGH-JK23"])


def test_submitting_an_unknown_code_goes_to_its_not_found_page(client):
    response = client.get(reverse("academy:verify"), {"code": "zzzz-zzzz-zzzz"}, follow=True)

    assert response.status_code == 404
    assert "We could not find a certificate with the code ZZZZ-ZZZZ-ZZZZ" in _text(response)


# --- the verification page -------------------------------------------------------------------


def test_a_valid_certificate_is_verified(client, certificate):
    response = client.get(reverse("academy:verify_code", args=[certificate.code]))

    assert response.status_code == 200
    text = _text(response)
    assert "Certificate verified" in text
    for expected in [
        "Delegate Ada Okafor",
        "Programme Leading Digital Transformation",
        "Cohort 2030 Spring, Manchester",
        "Completed on 1 July 2030",
        "Modules attended 4 of 4",
        f"Issued by {NETWORK}",
    ]:
        assert expected in text
    assert "revoked" not in text.lower()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


@pytest.mark.parametrize("code", ["abcd-efgh-jk23", "ABCDEFGHJK23", "abcd efgh jk23"])
def test_codes_are_case_and_space_insensitive(client, certificate, code):
    response = client.get(reverse("academy:verify_code", args=[code]))

    assert response.status_code == 200
    assert "Certificate verified" in _text(response)


def test_a_revoked_certificate_says_so_without_the_reason(client, certificate):
    _revoke(certificate)

    response = client.get(reverse("academy:verify_code", args=[certificate.code]))

    assert response.status_code == 200
    text = _text(response)
    assert "Certificate verified" not in text
    assert "This certificate was revoked on 2 September 2030. It is no longer valid." in text
    assert "Delegate Ada Okafor" in text
    assert "wrong delegate" not in text


def test_an_unknown_code_is_404(client, certificate):
    response = client.get(reverse("academy:verify_code", args=["ABCD-EFGH-JK24"]))

    assert response.status_code == 404
    text = _text(response)
    assert "We could not find a certificate with the code ABCD-EFGH-JK24" in text
    assert "Ada Okafor" not in text
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_the_code_in_the_not_found_page_is_escaped(client):
    response = client.get("/academy/verify/%3Cscript%3E/")

    assert response.status_code == 404
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


# --- the PDF ---------------------------------------------------------------------------------


def _pdf_url(certificate) -> str:
    return reverse("academy:certificate_pdf", args=[certificate.code])


def _pdf_text(response) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def test_the_delegate_downloads_their_certificate(client, certificate, delegate):
    client.force_login(delegate)

    response = client.get(_pdf_url(certificate))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="certificate-ABCD-EFGH-JK23.pdf"'
    )
    assert "private" in response["Cache-Control"]
    text, reader = _pdf_text(response)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 landscape: 297 mm by 210 mm, in points.
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    for expected in [
        NETWORK.upper(),
        "Certificate of completion",
        "Ada Okafor",
        "Leading Digital Transformation",
        "2030 Spring, Manchester",
        "Attended 4 of 4 modules.",
        "Completed on 1 July 2030.",
        "Delivered with Northern Business School",
        "ABCD-EFGH-JK23",
        f"{SITE_URL}/academy/verify/ABCD-EFGH-JK23/",
    ]:
        assert expected in text, expected
    assert "REVOKED" not in text


def test_the_longest_names_still_fit_on_one_page(client, certificate, delegate):
    Certificate.objects.filter(pk=certificate.pk).update(
        delegate_name="Dr Oluwaseun Adebayo-Fitzgerald-Montgomery Smythe",
        programme_title=("Leading Digital Transformation in Local Government and the NHS " * 4)[
            :200
        ],
        cohort_name="2030 Spring, Manchester and Leeds, with online sessions from the campus",
    )
    client.force_login(delegate)

    text, reader = _pdf_text(client.get(_pdf_url(certificate)))

    assert len(reader.pages) == 1
    assert "Dr Oluwaseun Adebayo-Fitzgerald-Montgomery Smythe" in text
    assert "ABCD-EFGH-JK23" in text


def test_the_pdf_has_a_qr_code_of_the_verify_url(certificate, monkeypatch):
    rendered = {}

    def render(*, template, context):
        rendered.update(template=template, context=context)
        return b"%PDF"

    monkeypatch.setattr(documents, "render_pdf", render)

    documents.certificate_pdf_bytes(certificate)

    verify_url = f"{SITE_URL}/academy/verify/ABCD-EFGH-JK23/"
    assert rendered["context"]["verify_url"] == verify_url
    qr = rendered["context"]["qr_src"]
    assert qr.startswith("data:image/svg+xml")
    assert qr == segno.make_qr(verify_url, error="m").svg_data_uri(border=0)


def test_anyone_signed_in_but_not_the_delegate_gets_404(client, certificate):
    client.force_login(UserFactory())

    assert client.get(_pdf_url(certificate)).status_code == 404


def test_signed_out_visitors_are_asked_to_sign_in(client, certificate):
    response = client.get(_pdf_url(certificate))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_code_is_404_even_for_a_programme_manager(client, manager):
    client.force_login(manager)

    assert client.get("/academy/certificates/ZZZZ-ZZZZ-ZZZZ.pdf").status_code == 404


def test_a_revoked_certificate_is_404_for_its_delegate(client, certificate, delegate):
    _revoke(certificate)
    client.force_login(delegate)

    assert client.get(_pdf_url(certificate)).status_code == 404


def test_a_programme_manager_downloads_any_certificate_revoked_ones_marked(
    client, certificate, manager
):
    client.force_login(manager)
    assert client.get(_pdf_url(certificate)).status_code == 200

    _revoke(certificate)
    response = client.get(_pdf_url(certificate))

    assert response.status_code == 200
    text, _ = _pdf_text(response)
    assert "REVOKED on 2 September 2030: this certificate is no longer valid" in text
    assert "Ada Okafor" in text
