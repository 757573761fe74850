"""The invoices API: GET /api/v1/invoices/, one document, and its PDF."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from pypdf import PdfReader
from rest_framework.test import APIClient

from payments.models import Order, Payment
from payments.services import Billing, LineSpec, order_create, order_mark_paid
from payments.services.documents import credit_note_for_amount, invoice_issue
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/"
PDF = b"%PDF-1.4\n% an invoice, as the renderer would store it\n%%EOF\n"
BILLING = Billing(
    organisation="Oldham Council",
    address="Civic Centre\nWest Street\nOldham",
    postcode="OL1 1UT",
    vat_number="GB123456789",
    purchase_order="PO-778",
)


def detail_url(number: str) -> str:
    return f"{URL}{number}/"


def pdf_url(number: str) -> str:
    return f"{URL}{number}/pdf/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def invoiced_order(booker, *, supply_date=None, issued=None, method="invoice"):
    """Book two lines on an invoice order and issue its invoice (£527.99 gross)."""
    order, _ = order_create(
        booker=booker,
        booker_name=booker.full_name if booker else "Rhian Pritchard",
        booker_email=booker.email if booker else "rhian@oldham.gov.uk",
        payment_method=method,
        lines=[
            LineSpec("Share Digital: Member", 2, Decimal("195.00"), Decimal("20")),
            LineSpec("Share Digital: Workshop", 1, Decimal("49.99"), Decimal("20")),
        ],
        billing=BILLING,
        supply_date=supply_date or timezone.localdate() + datetime.timedelta(days=90),
    )
    # Outside a captured commit the render and email tasks never run: the PDF stays empty.
    return order, invoice_issue(order=order, now=issued)


def attach_pdf(document, content: bytes = PDF) -> None:
    document.pdf.save(f"{document.number}.pdf", ContentFile(content), save=False)
    document.save(update_fields=["pdf"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def booker():
    return UserFactory(email="rhian@oldham.gov.uk", full_name="Rhian Pritchard")


@pytest.fixture
def finance():
    user = UserFactory(email="ledger@digital-leaders.example")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


@pytest.fixture
def stranger():
    return UserFactory(email="nosy@elsewhere.gov.uk")


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# --- Who sees what ----------------------------------------------------------------


def test_a_booker_sees_their_own_invoices_and_credit_notes_newest_first(booker, stranger):
    _, first = invoiced_order(booker, issued=at(2030, 1, 5, 10))
    _, second = invoiced_order(booker, issued=at(2030, 1, 6, 10))
    with transaction.atomic():
        credit = credit_note_for_amount(
            invoice=first, gross=Decimal("10.00"), reason="Goodwill", now=at(2030, 1, 7, 10)
        )
    invoiced_order(stranger, issued=at(2030, 1, 8, 10))

    response = client_for(booker).get(URL)

    assert numbers(response) == [credit.number, second.number, first.number]
    assert response.json()["count"] == 3


def test_finance_see_every_document(booker, stranger, finance):
    _, mine = invoiced_order(booker)
    _, theirs = invoiced_order(stranger)
    _, nobodys = invoiced_order(None)

    assert set(numbers(client_for(finance).get(URL))) == {
        mine.number,
        theirs.number,
        nobodys.number,
    }
    assert client_for(finance).get(detail_url(theirs.number)).status_code == 200


def test_someone_elses_document_is_not_found(booker, stranger):
    _, invoice = invoiced_order(booker)
    attach_pdf(invoice)
    with transaction.atomic():
        credit = credit_note_for_amount(invoice=invoice, gross=Decimal("10.00"), reason="x")
    client = client_for(stranger)

    assert numbers(client.get(URL)) == []
    for number in (invoice.number, credit.number, "INV-2030-99999"):
        for url in (detail_url(number), pdf_url(number)):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response["Content-Type"] == "application/json"
            assert response.json()["code"] == "not_found"


def test_a_pdf_request_for_someone_elses_document_is_a_json_404(booker, stranger):
    _, invoice = invoiced_order(booker)
    attach_pdf(invoice)

    response = client_for(stranger).get(pdf_url(invoice.number), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_superusers_see_every_document(booker):
    _, invoice = invoiced_order(booker)
    admin = UserFactory(email="admin@digital-leaders.example", is_superuser=True)

    assert numbers(client_for(admin).get(URL)) == [invoice.number]


@pytest.mark.parametrize("url", [URL, detail_url("INV-2030-00001"), pdf_url("INV-2030-00001")])
def test_anonymous_callers_are_asked_to_authenticate(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


# --- What a document says ---------------------------------------------------------


def test_an_invoice_shows_its_figures_as_printed(booker):
    order, invoice = invoiced_order(
        booker, supply_date=datetime.date(2030, 6, 11), issued=at(2030, 1, 5, 23, 30)
    )
    # A later change to the order never reaches the invoice.
    Order.objects.filter(pk=order.pk).update(billing_organisation="Someone Else")

    response = client_for(booker).get(detail_url(invoice.number))

    assert response.status_code == 200
    assert response.json() == {
        "number": invoice.number,
        "kind": "invoice",
        "issued_at": "2030-01-05T23:30:00+00:00",
        "due_at": "2030-02-04",
        "customer": {
            "name": "Oldham Council",
            "address": "Civic Centre\nWest Street\nOldham",
            "postcode": "OL1 1UT",
            "vat_number": "GB123456789",
        },
        "purchase_order": "PO-778",
        "total_net": "439.99",
        "total_vat": "88.00",
        "total_gross": "527.99",
        "status": "unpaid",
        "invoice": None,
        "pdf_url": f"http://testserver/api/v1/invoices/{invoice.number}/pdf/",
    }


def test_a_credit_note_refers_to_its_invoice_and_has_no_due_day(booker):
    _, invoice = invoiced_order(booker)
    with transaction.atomic():
        credit = credit_note_for_amount(
            invoice=invoice, gross=Decimal("85.50"), reason="Goodwill", now=at(2030, 7, 1, 9)
        )

    row = client_for(booker).get(detail_url(credit.number)).json()

    assert row["kind"] == "credit_note"
    assert row["due_at"] is None
    assert row["status"] == "issued"
    assert row["invoice"] == invoice.number
    # British Summer Time: the offset says so.
    assert row["issued_at"] == "2030-07-01T09:00:00+01:00"
    assert (row["total_net"], row["total_vat"], row["total_gross"]) == ("71.25", "14.25", "85.50")
    assert row["purchase_order"] == "PO-778"


def test_numbers_are_found_whatever_their_case(booker):
    _, invoice = invoiced_order(booker)

    response = client_for(booker).get(detail_url(invoice.number.lower()))

    assert response.status_code == 200
    assert response.json()["number"] == invoice.number


# --- Status -----------------------------------------------------------------------


def status_of(user, number: str) -> str:
    return client_for(user).get(detail_url(number)).json()["status"]


def test_an_invoice_not_yet_due_is_unpaid(booker):
    _, invoice = invoiced_order(booker)

    assert invoice.due_on >= timezone.localdate()
    assert status_of(booker, invoice.number) == "unpaid"


def test_an_unpaid_invoice_past_its_due_day_is_overdue(booker):
    issued = timezone.now() - datetime.timedelta(days=40)
    _, invoice = invoiced_order(booker, issued=issued)

    assert invoice.due_on < timezone.localdate()
    assert status_of(booker, invoice.number) == "overdue"


def test_an_invoice_due_today_is_not_overdue_yet(booker):
    _, invoice = invoiced_order(booker, supply_date=timezone.localdate())

    assert invoice.due_on == timezone.localdate()
    assert status_of(booker, invoice.number) == "unpaid"


def test_a_paid_invoice_is_paid_even_after_its_due_day(booker):
    order, invoice = invoiced_order(booker, issued=timezone.now() - datetime.timedelta(days=40))
    with transaction.atomic():
        order_mark_paid(order=order)

    assert status_of(booker, invoice.number) == "paid"


def test_an_invoice_with_some_money_in_is_part_paid_until_due(booker):
    order, invoice = invoiced_order(booker)
    Payment.objects.create(
        order=order,
        method=Payment.Method.BANK_TRANSFER,
        state=Payment.State.SUCCEEDED,
        amount=Decimal("100.00"),
        received_on=timezone.localdate(),
    )

    assert status_of(booker, invoice.number) == "part_paid"


def test_a_partly_credited_invoice_keeps_its_status(booker):
    _, invoice = invoiced_order(booker)
    with transaction.atomic():
        credit_note_for_amount(invoice=invoice, gross=Decimal("527.98"), reason="Nearly all")

    assert status_of(booker, invoice.number) == "unpaid"


def test_an_invoice_credited_in_full_is_credited(booker):
    _, invoice = invoiced_order(booker, issued=timezone.now() - datetime.timedelta(days=40))
    with transaction.atomic():
        credit_note_for_amount(invoice=invoice, gross=Decimal("500.00"), reason="Most")
        credit_note_for_amount(invoice=invoice, gross=Decimal("27.99"), reason="The rest")

    assert status_of(booker, invoice.number) == "credited"


def test_a_paid_invoice_refunded_in_full_is_credited(booker):
    order, invoice = invoiced_order(booker)
    with transaction.atomic():
        order_mark_paid(order=order)
        credit_note_for_amount(invoice=invoice, gross=invoice.total_gross, reason="Refund")
    Order.objects.filter(pk=order.pk).update(state=Order.State.REFUNDED)

    assert status_of(booker, invoice.number) == "credited"


# --- The PDF ----------------------------------------------------------------------


def test_the_pdf_is_the_stored_document(booker):
    _, invoice = invoiced_order(booker)
    attach_pdf(invoice)

    response = client_for(booker).get(pdf_url(invoice.number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_a_client_that_asks_for_a_pdf_gets_one(booker):
    _, invoice = invoiced_order(booker)
    with transaction.atomic():
        credit = credit_note_for_amount(invoice=invoice, gross=Decimal("10.00"), reason="x")
    attach_pdf(credit, b"%PDF-1.4 credit note")

    response = client_for(booker).get(pdf_url(credit.number), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 credit note"


def test_a_pdf_not_rendered_yet_is_rendered_stored_and_served(booker):
    _, invoice = invoiced_order(booker)
    assert not invoice.pdf

    response = client_for(booker).get(pdf_url(invoice.number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    content = response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert invoice.number in text
    assert "PO-778" in text
    invoice.refresh_from_db()
    with invoice.pdf.open("rb") as stored:
        assert stored.read() == content
    # The next download is the stored file, not a new rendering.
    again = client_for(booker).get(pdf_url(invoice.number))
    assert b"".join(again.streaming_content) == content


def test_finance_download_anyones_pdf(booker, finance):
    _, invoice = invoiced_order(booker)
    attach_pdf(invoice)

    response = client_for(finance).get(pdf_url(invoice.number))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


# --- Filters ----------------------------------------------------------------------


@pytest.fixture
def ledger(booker, stranger):
    """Four invoices (paid, unpaid, overdue, credited) and two credit notes, over January."""
    today = timezone.localdate()
    paid_order, paid = invoiced_order(booker, issued=at(2030, 1, 3, 10))
    _, unpaid = invoiced_order(stranger, issued=at(2030, 1, 10, 10), supply_date=today)
    _, overdue = invoiced_order(booker, issued=timezone.now() - datetime.timedelta(days=45))
    _, credited = invoiced_order(stranger, issued=at(2030, 1, 20, 10))
    with transaction.atomic():
        order_mark_paid(order=paid_order)
        part = credit_note_for_amount(
            invoice=paid, gross=Decimal("27.99"), reason="Part", now=at(2030, 1, 25, 10)
        )
        whole = credit_note_for_amount(
            invoice=credited, gross=credited.total_gross, reason="All", now=at(2030, 1, 31, 23)
        )
    return {
        "paid": paid.number,
        "unpaid": unpaid.number,
        "overdue": overdue.number,
        "credited": credited.number,
        "part": part.number,
        "whole": whole.number,
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"kind": "invoice"}, ["credited", "unpaid", "paid", "overdue"]),
        ({"kind": "credit_note"}, ["whole", "part"]),
        ({"status": "paid"}, ["paid"]),
        ({"status": "unpaid"}, ["unpaid"]),
        ({"status": "overdue"}, ["overdue"]),
        ({"status": "credited"}, ["credited"]),
        ({"status": "part_paid"}, []),
        ({"status": "issued"}, ["whole", "part"]),
        ({"kind": "invoice", "status": "issued"}, []),
        ({"kind": "credit_note", "status": "paid"}, []),
        ({"issued_from": "2030-01-10", "issued_to": "2030-01-25"}, ["part", "credited", "unpaid"]),
        # 23:00 GMT on the 31st is still January in London.
        ({"issued_from": "2030-01-31", "issued_to": "2030-01-31"}, ["whole"]),
        ({"issued_from": "2030-01-31"}, ["whole"]),
        # The overdue invoice was issued 45 days ago, long before 2030.
        ({"issued_to": "2030-01-03"}, ["paid", "overdue"]),
    ],
)
def test_finance_filter_the_list(finance, ledger, query, expected):
    rows = numbers(client_for(finance).get(URL, query))

    wanted = [ledger[name] for name in expected]
    if "issued_from" in query or "issued_to" in query:
        assert rows == wanted
    else:
        assert sorted(rows) == sorted(wanted)


def test_filters_apply_to_a_bookers_own_documents_too(booker, ledger):
    assert numbers(client_for(booker).get(URL, {"kind": "invoice"})) == [
        ledger["paid"],
        ledger["overdue"],
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"kind": "receipt"}, "kind"),
        ({"status": "lost"}, "status"),
        ({"status": "outstanding"}, "status"),
        ({"issued_from": "05/01/2030"}, "issued_from"),
        ({"issued_to": "2030-02-30"}, "issued_to"),
        ({"issued_from": "2030-02-01", "issued_to": "2030-01-01"}, "issued_to"),
    ],
)
def test_a_bad_filter_is_a_400_in_the_standard_shape(finance, query, field):
    response = client_for(finance).get(URL, query)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The request has errors; see `errors`."
    assert set(body["errors"]) == {field}
    assert body["code"]


def test_the_list_is_paginated(finance):
    for _ in range(3):
        invoiced_order(None)

    first = client_for(finance).get(URL, {"page": 1}).json()

    assert first["count"] == 3
    assert first["next"] is None
    assert len(first["results"]) == 3


# --- The schema -------------------------------------------------------------------


def test_schema_documents_the_invoices_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]

    listing = paths["/api/v1/invoices/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "kind",
        "status",
        "issued_from",
        "issued_to",
        "page",
    }
    assert set(listing["responses"]) == {"200", "400", "401"}
    assert set(paths["/api/v1/invoices/{number}/"]["get"]["responses"]) == {"200", "401", "404"}
    pdf = paths["/api/v1/invoices/{number}/pdf/"]["get"]
    assert pdf["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "format" not in {p["name"] for p in pdf["parameters"]}
    document = schema["components"]["schemas"]["InvoiceDocument"]["properties"]
    assert set(document) >= {
        "number",
        "kind",
        "issued_at",
        "due_at",
        "customer",
        "purchase_order",
        "total_net",
        "total_vat",
        "total_gross",
        "status",
        "pdf_url",
    }
    assert document["due_at"]["format"] == "date"
    assert document["total_gross"]["type"] == "string"
