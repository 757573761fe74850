"""Invoice and credit note PDFs, the invoice email and bookers' downloads.

Bookings go through booking_create with the on-commit callbacks run, so the
chain a real booking starts (issue the invoice, render its PDF, email it)
runs here as it does in production, in django-q2's synchronous mode.
"""

import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from events.models import Registration
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from events.services.places import registration_cancel
from payments import tasks
from payments.documents import document_pdf_attach, document_render_pdf
from payments.models import CreditNote, ImmutableDocumentError, Invoice, Order, Refund
from payments.services import Billing, LineSpec, order_create, order_mark_paid
from payments.services.documents import invoice_issue
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://events.digital-leaders.example"

SELLER = {
    "legal_name": "Digital Leaders Network Ltd",
    "address": "4 Crown Place\nLondon\nEC2A 4BT\nUnited Kingdom",
    "vat_number": "GB 123 4567 89",
    "company_number": "08765432",
    "email": "finance@digital-leaders.example",
    "bank_name": "Northern Mutual Bank plc",
    "bank_account_name": "Digital Leaders Network Ltd",
    "bank_sort_code": "40-11-62",
    "bank_account_number": "71234568",
    "bank_iban": "GB29 NWBK 4011 6271 2345 68",
}

BILLING = Billing(
    organisation="Conwy County Borough Council",
    address="Bodlondeb\nBangor Road\nConwy",
    postcode="LL32 8DU",
    vat_number="GB 987 6543 21",
    purchase_order="PO-77812",
)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = SITE_URL
    settings.SELLER = SELLER
    settings.INVOICE_PAYMENT_TERMS_DAYS = 30
    settings.INVOICE_DUE_BY_EVENT = True


@pytest.fixture
def booker():
    return UserFactory(email="rhian@conwy.gov.uk", full_name="Rhian Pritchard")


@pytest.fixture
def event():
    return EventFactory(title="Share Digital North", capacity=20)


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard", price_net=Decimal("195.00"))


@pytest.fixture
def dinner(event):
    return TicketTypeFactory(
        event=event, name="Leaders' dinner", price_net=Decimal("45.50"), vat_rate=Decimal("20")
    )


def _delegate(n: int) -> DelegateDetails:
    return DelegateDetails(
        first_name=f"Delegate{n}", last_name="Jones", email=f"d{n}@conwy.gov.uk"
    )


def _book(capture, event, booker, tickets, *, method="invoice") -> Order:
    """Book as the booker would, running every on-commit task (invoice, PDF, email)."""
    places = [PlaceRequest(ticket.pk, _delegate(n)) for n, ticket in enumerate(tickets)]
    with capture(execute=True):
        return booking_create(
            event_id=event.pk,
            booker=booker,
            booker_name=booker.full_name,
            booker_email=booker.email,
            places=places,
            payment_method=method,
            billing=BILLING,
        )


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _stored_pdf(document) -> bytes:
    document.refresh_from_db()
    assert document.pdf, f"{document.number} has no PDF"
    with document.pdf.open("rb") as file:
        return file.read()


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


# --- the invoice ------------------------------------------------------------------


def test_invoice_pdf_shows_what_a_full_uk_vat_invoice_must(
    django_capture_on_commit_callbacks, event, booker, standard, dinner
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard, standard, dinner])
    invoice = Invoice.objects.get(order=order)

    content = _stored_pdf(invoice)
    assert content.startswith(b"%PDF-")
    assert re.fullmatch(rf"documents/\d{{4}}/{invoice.number}(_\w+)?\.pdf", invoice.pdf.name)
    text = _flat(_pdf_text(content))

    assert re.fullmatch(r"INV-\d{4}-\d{5}", invoice.number)
    assert f"Invoice {invoice.number}" in text
    # The supplier, from the seller snapshot.
    assert "Digital Leaders Network Ltd" in text
    assert "4 Crown Place London EC2A 4BT United Kingdom" in text
    assert "VAT registration number: GB 123 4567 89" in text
    assert "Company number: 08765432" in text
    assert "finance@digital-leaders.example" in text
    # The customer.
    assert "Bill to Conwy County Borough Council Bodlondeb Bangor Road Conwy LL32 8DU" in text
    assert "VAT number: GB 987 6543 21" in text
    assert "Purchase order number PO-77812" in text
    assert f"Booking reference {order.reference}" in text
    # Dates.
    assert f"Date of issue {_day(invoice.issued_at)}" in text
    assert f"Time of supply {_day(invoice.time_of_supply)}" in text
    assert f"Due date {_day(invoice.due_on)}" in text
    assert invoice.time_of_supply == event.starts_at.date()
    # Each line: description, quantity, unit price, VAT rate, net, VAT, gross.
    assert "Share Digital North: Standard 2 £195.00 20% £390.00 £78.00 £468.00" in text
    assert "Share Digital North: Leaders' dinner 1 £45.50 20% £45.50 £9.10 £54.60" in text
    # Totals in sterling.
    assert "Total excluding VAT £435.50" in text
    assert "VAT at 20% £87.10" in text
    assert "Total to pay (GBP) £522.60" in text
    # How to pay.
    assert f"Please pay £522.60 by {_day(invoice.due_on)} by bank transfer" in text
    assert "Bank Northern Mutual Bank plc" in text
    assert "Account name Digital Leaders Network Ltd" in text
    assert "Sort code 40-11-62" in text
    assert "Account number 71234568" in text
    assert "IBAN GB29 NWBK 4011 6271 2345 68" in text
    assert f"Payment reference {invoice.number}" in text
    assert f"Or pay by card at {SITE_URL}/payments/orders/{order.reference}/pay/" in text
    assert "Paid by card" not in text
    # The footer of every page.
    assert f"Digital Leaders Network Ltd {invoice.number} Page 1 of 1" in text


def test_invoice_prints_its_stored_figures_and_seller_not_todays(
    django_capture_on_commit_callbacks, event, booker, standard, settings
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard])
    invoice = Invoice.objects.get(order=order)
    settings.SELLER = {**SELLER, "legal_name": "Renamed Ltd", "vat_number": "GB 000 0000 00"}
    Invoice.objects.filter(pk=invoice.pk).update(pdf="")  # as if the task had not run
    # The order changing after issue must not reach the invoice either.
    Order.objects.filter(pk=order.pk).update(purchase_order="PO-CHANGED")

    text = _flat(_pdf_text(_stored_pdf(document_render_pdf(kind="invoice", pk=invoice.pk))))

    assert "Digital Leaders Network Ltd" in text and "Renamed Ltd" not in text
    assert "GB 123 4567 89" in text
    assert "PO-77812" in text and "PO-CHANGED" not in text


def test_card_paid_invoice_is_a_receipt(
    django_capture_on_commit_callbacks, event, booker, standard, mailoutbox
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard], method="card")
    assert not Invoice.objects.filter(order=order).exists()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order_mark_paid(order=order)

    order.refresh_from_db()
    invoice = Invoice.objects.get(order=order)
    text = _flat(_pdf_text(_stored_pdf(invoice)))
    assert f"Paid by card on {_day(order.paid_at)}" in text
    assert "How to pay" not in text and "pay by card at" not in text
    (email,) = [m for m in mailoutbox if invoice.number in m.subject]
    assert email.subject == (
        f"Receipt and VAT invoice {invoice.number} for your booking {order.reference}"
    )
    assert f"Paid by card on {_day(order.paid_at)}" in email.body


def test_long_invoice_numbers_its_pages_and_repeats_the_footer(
    django_capture_on_commit_callbacks, booker
):
    lines = [
        LineSpec(f"Leadership module {n}: cohort day", 1, Decimal("100.00"), Decimal("20"))
        for n in range(1, 46)
    ]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order, _ = order_create(
            booker=booker,
            booker_name=booker.full_name,
            booker_email=booker.email,
            payment_method="invoice",
            lines=lines,
            billing=BILLING,
        )

    invoice = Invoice.objects.get(order=order)
    reader = pypdf.PdfReader(io.BytesIO(_stored_pdf(invoice)))
    pages = [_flat(page.extract_text()) for page in reader.pages]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        footer = f"Digital Leaders Network Ltd {invoice.number} Page {number} of {len(pages)}"
        assert footer in page
        assert "Description Quantity Unit price" in page  # the header row repeats
    assert "Leadership module 45: cohort day" in pages[-1]
    assert "Total to pay (GBP) £5,400.00" in pages[-1]


def test_issued_invoice_never_changes_and_takes_its_pdf_once(
    django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard])
    invoice = Invoice.objects.get(order=order)
    stored = invoice.pdf.name

    invoice.customer_name = "Someone else"
    with pytest.raises(ImmutableDocumentError):
        invoice.save()
    with pytest.raises(ImmutableDocumentError):
        invoice.delete()
    invoice.refresh_from_db()
    invoice.pdf.save("forged.pdf", ContentFile(b"%PDF-forged"), save=False)
    with pytest.raises(ImmutableDocumentError):
        invoice.save(update_fields=["pdf"])

    invoice.refresh_from_db()
    assert invoice.pdf.name == stored
    assert invoice.customer_name == "Conwy County Borough Council"
    # Running the task again changes nothing.
    assert tasks.render_document_pdf("invoice", invoice.pk) == stored


def test_a_worker_that_loses_the_race_keeps_the_first_pdf(
    django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard])
    attached = Invoice.objects.get(order=order)
    stale = Invoice.objects.get(order=order)
    stale.pdf.name = ""  # what a second worker saw before the first attached its file

    document_pdf_attach(document=stale, content=b"%PDF-late")

    assert stale.pdf.name == attached.pdf.name
    storage = attached.pdf.storage
    assert sorted(storage.listdir(str(attached.pdf.name).rsplit("/", 1)[0])[1]) == [
        attached.pdf.name.rsplit("/", 1)[1]
    ]


# --- the email ---------------------------------------------------------------------


def test_invoice_email_goes_to_the_booker_with_the_pdf(
    django_capture_on_commit_callbacks, event, booker, standard, mailoutbox
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard])
    invoice = Invoice.objects.get(order=order)

    (email,) = [m for m in mailoutbox if invoice.number in m.subject]
    assert email.to == ["rhian@conwy.gov.uk"]
    assert email.subject == f"Invoice {invoice.number} for your booking {order.reference}"
    assert email.reply_to == ["finance@digital-leaders.example"]
    ((filename, content, mimetype),) = email.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert content == _stored_pdf(invoice)
    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert f"Due date:{'</strong>' if part is html else ''} {_day(invoice.due_on)}" in part
        assert "£234.00" in part
        assert "40-11-62" in part and "71234568" in part
        assert f"{SITE_URL}/payments/orders/{order.reference}/pay/" in part


def test_invoice_email_is_sent_once_unless_resent(
    django_capture_on_commit_callbacks, event, booker, standard, mailoutbox
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard])
    invoice = Invoice.objects.get(order=order)
    sent = len(mailoutbox)

    assert tasks.send_invoice_email(invoice.pk) == 0
    assert len(mailoutbox) == sent
    assert tasks.send_invoice_email(invoice.pk, resend=True) == 1
    assert len(mailoutbox) == sent + 1


def test_email_renders_the_pdf_if_the_task_has_not(event, booker, standard, mailoutbox):
    with transaction.atomic():
        order, _ = order_create(
            booker=booker,
            booker_name=booker.full_name,
            booker_email=booker.email,
            payment_method="invoice",
            lines=[LineSpec("Share Digital North: Standard", 1, Decimal("195"), Decimal("20"))],
        )
    invoice = invoice_issue(order=order)  # its on-commit tasks never run here
    assert not invoice.pdf

    assert tasks.send_invoice_email(invoice.pk) == 1

    invoice.refresh_from_db()
    assert invoice.pdf
    assert mailoutbox[-1].attachments[0][1] == _stored_pdf(invoice)


# --- credit notes ------------------------------------------------------------------


def test_cancelled_place_gets_a_credit_note_pdf(
    django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard, standard])
    invoice = Invoice.objects.get(order=order)
    place = order.event_registrations.order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=place)

    credit_note = CreditNote.objects.get(invoice=invoice)
    assert re.fullmatch(r"CN-\d{4}-\d{5}", credit_note.number)
    text = _flat(_pdf_text(_stored_pdf(credit_note)))
    assert f"Credit note {credit_note.number}" in text
    assert f"Credit against invoice {invoice.number}" in text
    assert f"Invoice date {_day(invoice.issued_at)}" in text
    assert f"Date of issue {_day(credit_note.issued_at)}" in text
    assert f"Reason: Cancelled place: {place.full_name}" in text
    assert "Credit: Share Digital North: Standard 1 £195.00 20% £195.00 £39.00 £234.00" in text
    assert "Total credited excluding VAT £195.00" in text
    assert "VAT credited at 20% £39.00" in text
    assert "Total credited (GBP) £234.00" in text
    assert "VAT registration number: GB 123 4567 89" in text
    assert "Credit to Conwy County Borough Council" in text
    assert f"reduces the amount due on invoice {invoice.number} by £234.00" in text
    assert f"Digital Leaders Network Ltd {credit_note.number} Page 1 of 1" in text


def test_credit_note_for_a_card_payment_says_it_is_refunded(
    django_capture_on_commit_callbacks, event, booker, standard, monkeypatch
):
    # Stripe is another test's business: leave the refund pending.
    monkeypatch.setattr(tasks, "submit_refund", lambda refund_id: None, raising=False)
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard], method="card")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order_mark_paid(order=order)
    order.payments.create(method="card", state="succeeded", amount=order.total_gross)

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=order.event_registrations.get())

    credit_note = CreditNote.objects.get(order=order)
    assert Refund.objects.get(credit_note=credit_note).amount == Decimal("234.00")
    text = _flat(_pdf_text(_stored_pdf(credit_note)))
    assert "£234.00 is being refunded to the card that paid for this booking" in text


# --- downloads for bookers ---------------------------------------------------------


def test_booker_downloads_their_invoice_and_credit_note(
    client, django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard, standard])
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=order.event_registrations.order_by("pk").first())
    invoice = Invoice.objects.get(order=order)
    credit_note = CreditNote.objects.get(invoice=invoice)
    client.force_login(booker)

    for url, document in [
        (reverse("my:invoice_pdf", args=[invoice.number]), invoice),
        (reverse("my:credit_note_pdf", args=[credit_note.number]), credit_note),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{document.number}.pdf"'
        assert "no-store" in response["Cache-Control"]
        assert response.content == _stored_pdf(document)

    assert url == f"/my-bookings/credit-notes/{credit_note.number}.pdf"
    assert reverse("my:invoice_pdf", args=[invoice.number]) == (
        f"/my-bookings/invoices/{invoice.number}.pdf"
    )


def test_nobody_else_can_download_an_invoice(
    client, django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard, standard])
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=order.event_registrations.order_by("pk").first())
    invoice = Invoice.objects.get(order=order)
    urls = [
        reverse("my:invoice_pdf", args=[invoice.number]),
        reverse("my:credit_note_pdf", args=[CreditNote.objects.get(invoice=invoice).number]),
    ]

    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    # A delegate on the order is not its booker; nor is a stranger.
    delegate = UserFactory(email="d1@conwy.gov.uk")
    for user in (delegate, UserFactory()):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404
    client.force_login(booker)
    assert client.get(reverse("my:invoice_pdf", args=["INV-1999-00001"])).status_code == 404
    assert client.post(urls[0]).status_code == 405


def test_download_renders_the_pdf_when_the_task_has_not_run(client, booker):
    with transaction.atomic():
        order, _ = order_create(
            booker=booker,
            booker_name=booker.full_name,
            booker_email=booker.email,
            payment_method="invoice",
            lines=[LineSpec("Share Digital North: Standard", 1, Decimal("195"), Decimal("20"))],
        )
    invoice = invoice_issue(order=order)
    client.force_login(booker)

    response = client.get(reverse("my:invoice_pdf", args=[invoice.number]))

    assert response.status_code == 200
    assert invoice.number in _pdf_text(response.content)
    invoice.refresh_from_db()
    assert invoice.pdf  # stored, so the next download does not render again


def test_my_bookings_lists_the_bookers_invoices_and_credit_notes(
    client, django_capture_on_commit_callbacks, event, booker, standard
):
    order = _book(django_capture_on_commit_callbacks, event, booker, [standard, standard])
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=order.event_registrations.order_by("pk").first())
    invoice = Invoice.objects.get(order=order)
    credit_note = CreditNote.objects.get(invoice=invoice)
    client.force_login(booker)

    page = client.get(reverse("my:list")).content.decode()

    assert "Invoices" in page
    assert f'href="/my-bookings/invoices/{invoice.number}.pdf"' in page
    assert f"Invoice {invoice.number} (PDF)" in page
    assert f'href="/my-bookings/credit-notes/{credit_note.number}.pdf"' in page
    assert f"Credit note {credit_note.number} (PDF)" in page
    assert "£468.00" in page and "−£234.00" in page

    # The delegate sees their place, not the booker's invoice.
    delegate = UserFactory(email="d1@conwy.gov.uk")
    Registration.objects.filter(order=order, email="d1@conwy.gov.uk").update(delegate=delegate)
    client.force_login(delegate)
    page = client.get(reverse("my:list")).content.decode()
    assert "Share Digital North" in page
    assert invoice.number not in page
