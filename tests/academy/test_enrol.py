"""Confirming and paying for a place, and the delegate's enrolment page, over HTTP.

The whole applicant path runs here: apply on the form, the sponsor supports
it from the emailed link, the programme manager accepts, the applicant
confirms and pays by invoice, and the enrolment page shows the modules.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from academy.models import Application, Attendance, Certificate, Enrolment
from academy.services.applications import Decision, application_decide, sponsor_decide
from payments.models import Invoice, Order
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ModuleFactory,
    ProgrammeFactory,
)
from tests.academy.pages import visible_text as _visible
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://academy.digital-leaders.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_API_BASE = ""


@pytest.fixture
def card_payments(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_academy"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_academy"


def _text(response) -> str:
    return response.content.decode()


def _path(url: str) -> str:
    assert url.startswith(SITE_URL)
    return url.removeprefix(SITE_URL)


@pytest.fixture
def member():
    """Sam, whose verified address belongs to a member council."""
    council = OrganisationFactory(name="Leeds City Council", domains=["leeds.gov.uk"])
    return UserFactory(
        email="sam.jones@leeds.gov.uk",
        full_name="Sam Jones",
        job_title="Head of Digital Services",
        organisation=council,
    )


@pytest.fixture
def cohort():
    return CohortFactory(
        programme=ProgrammeFactory(
            title="Leading Digital Transformation", slug="leading-digital-transformation"
        ),
        name="2027 Spring, Manchester",
        slug="2027-spring",
    )


@pytest.fixture
def offered(member, cohort):
    """Sam's application, accepted, with the offer open for a week."""
    return ApplicationFactory(
        cohort=cohort,
        applicant=member,
        full_name="Sam Jones",
        organisation="Leeds City Council",
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=7),
    )


INVOICE = {
    "payment_method": "invoice",
    "billing_organisation": "Leeds City Council",
    "billing_address": "Accounts Payable\nCivic Hall\nLeeds",
    "billing_postcode": "ls1 1ur",
    "purchase_order": "PO-4471",
    "vat_number": "",
}


# --- the whole path -------------------------------------------------------------------------


def test_apply_support_accept_confirm_and_pay_by_invoice(
    client, member, cohort, committed, mailoutbox
):
    programme_manager = UserFactory(email="academy@example.org")
    client.force_login(member)

    # Sam applies.
    with committed():
        response = client.post(
            reverse("academy:apply", args=[cohort.programme.slug, cohort.slug]),
            {
                "full_name": "Sam Jones",
                "role": "Head of Digital Services",
                "organisation": "Leeds City Council",
                "time_in_role": "3_to_5",
                "sponsor_name": "Priya Shah",
                "sponsor_email": "priya.shah@leeds.gov.uk",
                "motivation": "To lead our move to common platforms.",
                "consent": "on",
            },
        )
    application = Application.objects.get()
    assert response["Location"] == application.get_absolute_url()

    # Priya supports it from the link in her email, without an account.
    (to_sponsor,) = [m for m in mailoutbox if m.to == ["priya.shah@leeds.gov.uk"]]
    token = re.search(r"/academy/sponsor/([^/\s]+)/", to_sponsor.body).group(1)
    with committed():
        sponsor_decide(token=token, supported=True)
    assert "Under review" in _visible(client.get(application.get_absolute_url()))

    # The programme manager accepts it; Sam's email links to the confirm page.
    with committed():
        application_decide(application=application, decision=Decision.ACCEPT, by=programme_manager)
    (accepted,) = [m for m in mailoutbox if "offered a place" in m.body]
    enrol_url = reverse("academy:enrol", args=[application.pk])
    assert f"{SITE_URL}{enrol_url}" in accepted.body
    my_academy = _visible(client.get(reverse("academy:my")))
    assert "Accepted" in my_academy
    assert "Confirm your place on Leading Digital Transformation" in my_academy

    # The confirm page shows the member price with VAT, and the deadline.
    page = client.get(enrol_url)
    text = _visible(page)
    assert page.status_code == 200
    assert "Confirm your place" in text
    assert "£1,800.00 Member price, excluding VAT" in text
    assert "VAT at 20% £360.00" in text
    assert "Total to pay £2,160.00" in text
    application.refresh_from_db()
    deadline = timezone.localtime(application.offer_expires_at)
    assert f"We’re holding a place for you until {deadline:%-I:%M}" in text
    assert 'value="Leeds City Council"' in _text(page)  # invoice organisation prefilled
    assert Order.objects.count() == 0

    # Sam confirms and pays by invoice.
    mailoutbox.clear()
    with committed():
        response = client.post(enrol_url, INVOICE)

    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("academy:enrolment", args=[enrolment.pk])
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert enrolment.delegate == member
    order = enrolment.order
    assert order.payment_method == Order.PaymentMethod.INVOICE
    assert order.total_gross == Decimal("2160.00")
    assert order.purchase_order == "PO-4471"
    assert order.billing_postcode == "LS1 1UR"
    application.refresh_from_db()
    assert application.state == Application.State.ENROLLED
    invoice = Invoice.objects.get(order=order)
    assert sorted(m.to[0] for m in mailoutbox) == ["sam.jones@leeds.gov.uk"] * 2
    assert any(invoice.number in m.subject for m in mailoutbox)

    # The enrolment page: banner, state, the modules as a task list, the QR code, the invoice.
    page = client.get(response["Location"])
    text = _visible(page)
    html = _text(page)
    assert (
        "You’re enrolled on Leading Digital Transformation, 2027 Spring, Manchester. "
        "We’ve emailed your invoice (purchase order PO-4471) to sam.jones@leeds.gov.uk."
    ) in text
    assert "Confirmed" in text
    assert "You have attended 0 of 4 modules; you need 4 to complete." in text
    assert html.count('<li class="govuk-task-list__item">') == 4
    assert text.count("Upcoming") == 4
    assert reverse("academy:enrolment_qr", args=[enrolment.pk]) in html
    assert 'alt="QR code for Sam Jones’s place on Leading Digital Transformation"' in html
    assert reverse("payments:invoice_pdf", args=[invoice.number]) in html
    assert reverse("my:calendar") in html
    assert reverse("academy:cohort_ics", args=[cohort.programme.slug, cohort.slug]) in html

    # Sam's place now counts, and the confirm page sends Sam to the place.
    assert client.get(enrol_url)["Location"] == enrolment.get_absolute_url()


def test_card_payment_goes_to_the_payments_page_with_a_pending_order(
    client, member, offered, card_payments, committed
):
    client.force_login(member)
    url = reverse("academy:enrol", args=[offered.pk])

    page = client.get(url)
    assert "How do you want to pay?" in _visible(page)
    assert 'value="card"' in _text(page)

    with committed():
        response = client.post(url, {"payment_method": "card"})

    enrolment = Enrolment.objects.get()
    order = enrolment.order
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", args=[order.reference])
    assert order.state == Order.State.PENDING
    assert order.payment_method == Order.PaymentMethod.CARD
    assert order.total_gross == Decimal("2160.00")
    assert order.billing_organisation == ""
    assert enrolment.state == Enrolment.State.PENDING
    assert client.get(response["Location"]).status_code == 200

    page = client.get(enrolment.get_absolute_url())
    text = _visible(page)
    assert "Waiting for payment" in text
    assert "Your place is held while we wait for your payment of £2,160.00." in text
    assert reverse("payments:pay", args=[order.reference]) in _text(page)
    assert reverse("academy:enrolment_qr", args=[enrolment.pk]) not in _text(page)
    assert client.get(reverse("academy:enrolment_qr", args=[enrolment.pk])).status_code == 404


def test_without_card_payments_only_invoice_details_are_asked(client, member, offered):
    client.force_login(member)

    page = client.get(reverse("academy:enrol", args=[offered.pk]))

    text = _visible(page)
    assert "Invoice details" in text
    assert "How do you want to pay?" not in text
    assert 'type="radio"' not in _text(page)
    assert Order.objects.count() == 0


def test_invoice_details_are_required(client, member, offered):
    client.force_login(member)

    response = client.post(
        reverse("academy:enrol", args=[offered.pk]),
        {"payment_method": "invoice", "billing_postcode": "not a postcode"},
    )

    text = _visible(response)
    assert response.status_code == 400
    assert "There is a problem" in text
    assert "Enter the name of the organisation to invoice" in text
    assert "Enter the address to send the invoice to" in text
    assert "Enter a real postcode, like SW1A 2AA" in text
    assert Order.objects.count() == 0
    assert Enrolment.objects.count() == 0
    offered.refresh_from_db()
    assert offered.state == Application.State.ACCEPTED


def test_refusal_from_the_service_writes_nothing(client, member, offered):
    # The cohort started before Sam confirmed.
    cohort = offered.cohort
    cohort.starts_on = timezone.localdate()
    cohort.save()
    client.force_login(member)

    response = client.post(reverse("academy:enrol", args=[offered.pk]), INVOICE)

    assert response.status_code == 409
    text = _visible(response)
    assert "There is a problem" in text
    assert "This cohort has already started, so the place can no longer be confirmed." in text
    assert Order.objects.count() == 0
    assert Enrolment.objects.count() == 0
    offered.refresh_from_db()
    assert offered.state == Application.State.ACCEPTED


def test_expired_offer_on_a_full_cohort_cannot_be_confirmed(client, member, offered):
    cohort = offered.cohort
    cohort.capacity = 1
    cohort.save()
    offered.offer_expires_at = timezone.now() - datetime.timedelta(hours=1)
    offered.save()
    ApplicationFactory(
        cohort=cohort,
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(member)
    url = reverse("academy:enrol", args=[offered.pk])

    assert "Your offer expired at" in _visible(client.get(url))
    response = client.post(url, INVOICE)

    assert response.status_code == 409
    assert "Your offer has expired and there are no places left on this cohort." in _visible(
        response
    )
    assert Order.objects.count() == 0
    assert Enrolment.objects.count() == 0


def test_free_cohort_is_confirmed_without_payment_questions(client, member, committed):
    application = ApplicationFactory(
        applicant=member,
        cohort=CohortFactory(price_net=Decimal("0"), member_price_net=Decimal("0")),
        state=Application.State.ACCEPTED,
        offer_expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(member)
    url = reverse("academy:enrol", args=[application.pk])

    page = client.get(url)
    assert "There is nothing to pay." in _visible(page)
    assert "billing_organisation" not in _text(page)

    with committed():
        response = client.post(url, follow=True)

    enrolment = Enrolment.objects.get()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert enrolment.order.payment_method == Order.PaymentMethod.FREE
    assert "You’re enrolled on" in _visible(response)
    assert "We’ve emailed you the details." in _visible(response)


def test_only_an_offered_place_can_be_confirmed(client, member):
    under_review = ApplicationFactory(applicant=member)
    client.force_login(member)
    url = reverse("academy:enrol", args=[under_review.pk])

    assert client.get(url)["Location"] == under_review.get_absolute_url()
    response = client.post(url, INVOICE)

    assert response["Location"] == under_review.get_absolute_url()
    assert Order.objects.count() == 0


def test_nobody_else_can_confirm_the_place(client, offered):
    client.force_login(UserFactory())

    response = client.post(reverse("academy:enrol", args=[offered.pk]), INVOICE)

    assert response.status_code == 404
    assert Order.objects.count() == 0


# --- the enrolment page ---------------------------------------------------------------------


@pytest.fixture
def under_way(member):
    """Sam's enrolment on a cohort that started 40 days ago: two modules past, two to come."""
    start = timezone.localdate() - datetime.timedelta(days=40)
    cohort = CohortFactory(
        starts_on=start,
        programme=ProgrammeFactory(completion_rule="at_least", minimum_modules=3),
        modules=0,
    )
    enrolment = EnrolmentFactory(application__applicant=member, application__cohort=cohort)
    now = timezone.now()
    for days, title in [(-40, "Leading change"), (-10, "Data"), (20, "Money"), (50, "People")]:
        ModuleFactory(
            cohort=cohort,
            title=title,
            starts_at=now + datetime.timedelta(days=days),
            ends_at=now + datetime.timedelta(days=days, hours=6),
            venue="Leeds Civic Hall",
            online_link="https://meet.example/academy" if title == "Money" else "",
        )
    return enrolment


def test_enrolment_page_shows_each_module_and_the_progress(client, member, under_way):
    first = under_way.cohort.modules.get(title="Leading change")
    AttendanceFactory(module=first, enrolment=under_way)
    client.force_login(member)

    page = client.get(under_way.get_absolute_url())

    names = re.findall(
        r'<div class="govuk-task-list__name-and-hint">\s*<div>([^<]+)</div>', _text(page)
    )
    statuses = [
        " ".join(re.sub(r"<[^>]+>", " ", status).split())
        for status in re.findall(
            r'<div class="govuk-task-list__status"[^>]*>(.*?)</div>', _text(page), re.S
        )
    ]
    assert list(zip(names, statuses, strict=True)) == [
        ("Leading change", "Attended"),
        ("Data", "Not recorded yet"),
        ("Money", "Upcoming"),
        ("People", "Upcoming"),
    ]
    text = _visible(page)
    assert "You have attended 1 of 4 modules; you need 3 to complete." in text
    assert "Leeds Civic Hall" in text
    assert "https://meet.example/academy" in text


def test_missed_module_and_certificate(client, member, under_way):
    modules = list(under_way.cohort.modules.order_by("starts_at"))
    AttendanceFactory(module=modules[0], enrolment=under_way)
    AttendanceFactory(module=modules[1], enrolment=under_way, status=Attendance.Status.ABSENT)
    certificate = Certificate.objects.create(
        enrolment=under_way,
        delegate_name="Sam Jones",
        programme_title=under_way.cohort.programme.title,
        cohort_name=under_way.cohort.name,
        modules_attended=3,
        modules_total=4,
        completed_on=timezone.localdate(),
        issued_at=timezone.now(),
    )
    client.force_login(member)

    page = client.get(under_way.get_absolute_url())

    text = _visible(page)
    assert '<strong class="govuk-tag govuk-tag--red">Missed</strong>' in _text(page)
    assert "Your certificate" in text
    assert f"Verification code: {certificate.code}" in text
    assert reverse("academy:certificate_pdf", args=[certificate.code]) in _text(page)
    assert reverse("academy:verify_code", args=[certificate.code]) in _text(page)

    certificate.revoked_at = timezone.now()
    certificate.save()
    assert "Your certificate" not in _visible(client.get(under_way.get_absolute_url()))


def test_enrolment_page_is_only_for_the_delegate(client, under_way):
    url = under_way.get_absolute_url()
    qr = reverse("academy:enrolment_qr", args=[under_way.pk])

    assert client.get(url).status_code == 302
    assert client.get(qr).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(qr).status_code == 404


def test_cancelled_enrolment_has_no_qr_code(client, member, under_way):
    under_way.state = Enrolment.State.CANCELLED
    under_way.cancelled_at = timezone.now()
    under_way.save()
    client.force_login(member)

    page = client.get(under_way.get_absolute_url())

    assert "This place was cancelled" in _visible(page)
    assert "QR code" not in _visible(page)
    assert client.get(reverse("academy:enrolment_qr", args=[under_way.pk])).status_code == 404


def test_qr_code_is_a_private_png_of_the_enrolment_secret(client, member, under_way):
    client.force_login(member)

    response = client.get(reverse("academy:enrolment_qr", args=[under_way.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    # Read the modules back from the image: the code holds the secret and nothing else.
    image = Image.open(io.BytesIO(response.content)).convert("L")
    expected = segno.make_qr(under_way.qr_secret, error="m")
    scale, border = 8, 4
    size = len(expected.matrix)
    assert image.size == ((size + 2 * border) * scale,) * 2
    dark = [
        [
            image.getpixel(((col + border) * scale + 4, (row + border) * scale + 4)) < 128
            for col in range(size)
        ]
        for row in range(size)
    ]
    assert dark == [[bool(value) for value in line] for line in expected.matrix]
    assert str(under_way.pk) != under_way.qr_secret


def test_qr_code_is_not_shown_once_the_cohort_has_ended(client, member):
    start = timezone.localdate() - datetime.timedelta(days=200)
    enrolment = EnrolmentFactory(
        application__applicant=member,
        application__cohort=CohortFactory(
            starts_on=start, ends_on=start + datetime.timedelta(days=120)
        ),
    )
    client.force_login(member)

    page = client.get(enrolment.get_absolute_url())

    assert "Your QR code" not in _visible(page)
    assert reverse("academy:enrolment_qr", args=[enrolment.pk]) not in _text(page)
