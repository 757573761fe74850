"""The finance desk: who may use it, filters and totals, the ledger CSV and ZIP,
marking invoices paid, refunds, flagged orders and overdue reminders."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from django_q.models import Schedule

from accounts import roles
from events.models import Registration
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from payments import tasks
from payments.models import CreditNote, Invoice, Order, Payment, Refund
from payments.selectors import DocumentFilters, InvoiceStatus, invoice_get, invoice_list
from payments.services import Billing, LineSpec, order_create, order_mark_paid
from payments.services.documents import credit_note_for_amount, invoice_issue
from payments.services.finance import (
    PaymentNotRecorded,
    invoice_mark_paid,
    overdue_reminders_send,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory, london

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# --- Helpers -----------------------------------------------------------------------


def _order(
    *,
    organisation="Oldham Council",
    description="Share Digital: Member",
    method="invoice",
    lines=None,
    purchase_order="PO-778",
    supply_date=None,
    email="rhian@oldham.gov.uk",
):
    order, _ = order_create(
        booker=None,
        booker_name="Rhian Pritchard",
        booker_email=email,
        payment_method=method,
        lines=lines or [LineSpec(description, 1, Decimal("195.00"), Decimal("20"))],
        billing=Billing(
            organisation=organisation,
            address="Civic Centre\nWest Street\nOldham",
            postcode="OL1 1UT",
            purchase_order=purchase_order,
        ),
        supply_date=supply_date or (timezone.localdate() + datetime.timedelta(days=90)),
    )
    return order


def _invoice(order=None, *, at=None, **order_kwargs) -> Invoice:
    order = order or _order(**order_kwargs)
    return invoice_issue(order=order, now=at or timezone.now())


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _card_paid_invoice(*, at=None, intent="pi_3Finance", **order_kwargs) -> Invoice:
    order = _order(method="card", **order_kwargs)
    Payment.objects.create(
        order=order,
        method=Payment.Method.CARD,
        state=Payment.State.SUCCEEDED,
        amount=order.total_gross,
        stripe_payment_intent_id=intent,
        stripe_charge_id=f"ch_{intent[3:]}",
    )
    order_mark_paid(order=order, now=at)
    return _invoice(order, at=at)


def _attach_pdf(document, content=PDF):
    document.pdf.save(f"{document.number}.pdf", ContentFile(content), save=False)
    document.save(update_fields=["pdf"])
    return document


def _in_role(role: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def finance(client):
    user = _in_role(roles.FINANCE, email="fola@digital-leaders.example")
    client.force_login(user)
    return user


def _numbers(response, key="invoice_page") -> list[str]:
    return [document.number for document in response.context[key].object_list]


# --- Who may use it ------------------------------------------------------------------

PAGES = [
    "/finance/",
    "/finance/payments/",
    "/finance/flagged/",
    "/finance/export.csv",
    "/finance/export.zip",
]


class TestAccess:
    @pytest.mark.parametrize("path", PAGES)
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, path):
        response = client.get(path)

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    @pytest.mark.parametrize("path", PAGES)
    def test_event_staff_and_delegates_are_refused(self, client, path):
        for user in (_in_role(roles.EVENT_STAFF), UserFactory()):
            client.force_login(user)
            assert client.get(path).status_code == 403

    def test_others_cannot_see_an_invoice_or_act_on_it(self, client):
        invoice = _invoice()
        client.force_login(_in_role(roles.EVENT_STAFF))
        base = f"/finance/invoices/{invoice.number}"

        assert client.get(f"{base}/").status_code == 403
        assert client.get(f"{base}.pdf").status_code == 403
        response = client.post(
            f"{base}/mark-paid/",
            {"paid-amount": "234.00", "paid-received_on": "2026-01-01", "paid-reference": "X"},
        )
        assert response.status_code == 403
        assert client.post(f"{base}/resend/").status_code == 403
        assert not Payment.objects.exists()

    @pytest.mark.parametrize("path", PAGES)
    def test_finance_and_superusers_get_in(self, client, finance, path):
        assert client.get(path).status_code == 200
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        assert client.get(path).status_code == 200

    def test_the_finance_desk_link_shows_only_to_finance(self, client, finance):
        assert 'href="/finance/"' in client.get("/").content.decode()
        client.force_login(_in_role(roles.EVENT_STAFF))
        assert 'href="/finance/"' not in client.get("/").content.decode()

    def test_the_finance_role_can_record_payments_and_refunds(self):
        codenames = set(
            Permission.objects.filter(group__name=roles.FINANCE).values_list("codename", flat=True)
        )
        assert {
            "view_invoice",
            "view_creditnote",
            "view_payment",
            "add_payment",
            "view_refund",
            "add_refund",
            "view_stripeevent",
            "change_order",
        } <= codenames

    def test_an_unknown_invoice_is_not_found(self, client, finance):
        assert client.get("/finance/invoices/INV-2020-99999/").status_code == 404
        assert client.get("/finance/credit-notes/CN-2020-99999.pdf").status_code == 404


# --- Filters and totals ----------------------------------------------------------------


class TestFilters:
    def test_status_is_worked_out_from_payments_due_dates_and_credits(self):
        unpaid = _invoice(organisation="Unpaid Council")
        overdue = _invoice(organisation="Overdue Council", at=_days_ago(40))
        part = _invoice(organisation="Part Council")
        Payment.objects.create(
            order=part.order,
            method=Payment.Method.BANK_TRANSFER,
            state=Payment.State.SUCCEEDED,
            amount=Decimal("100.00"),
        )
        paid = _card_paid_invoice(organisation="Paid Council")
        credited = _invoice(organisation="Credited Council")
        credit_note_for_amount(invoice=credited, gross=credited.total_gross, reason="Cancelled")

        statuses = {
            invoice.customer_name: invoice.status
            for invoice in invoice_list(filters=DocumentFilters())
        }

        assert statuses == {
            unpaid.customer_name: InvoiceStatus.UNPAID,
            overdue.customer_name: InvoiceStatus.OVERDUE,
            part.customer_name: InvoiceStatus.PART_PAID,
            paid.customer_name: InvoiceStatus.PAID,
            credited.customer_name: InvoiceStatus.CREDITED,
        }

    def test_payments_that_cover_what_is_left_after_a_credit_make_it_paid(self):
        invoice = _invoice(
            lines=[LineSpec("Share Digital: Member", 2, Decimal("100.00"), Decimal("20"))]
        )
        credit_note_for_amount(invoice=invoice, gross=Decimal("120.00"), reason="One place")
        Payment.objects.create(
            order=invoice.order,
            method=Payment.Method.BANK_TRANSFER,
            state=Payment.State.SUCCEEDED,
            amount=Decimal("120.00"),
        )

        assert invoice_get(number=invoice.number).status == InvoiceStatus.PAID

    def test_filter_by_status(self, client, finance):
        unpaid = _invoice()
        overdue = _invoice(at=_days_ago(40))
        paid = _card_paid_invoice()

        def listed(status):
            return _numbers(client.get("/finance/", {"status": status}))

        assert listed("paid") == [paid.number]
        assert listed("unpaid") == [unpaid.number]
        assert listed("overdue") == [overdue.number]
        assert sorted(listed("outstanding")) == sorted([unpaid.number, overdue.number])
        assert len(listed("")) == 3

    def test_filter_by_date_range_uses_the_day_in_london(self, client, finance):
        year = timezone.localdate().year - 1
        march_first = _invoice(at=london(year, 3, 1, 9))
        march_last = _invoice(at=london(year, 3, 31, 23, 30))
        _invoice(at=london(year, 4, 1, 0, 30))  # still 31 March in UTC
        _invoice(at=london(year, 2, 28, 12))

        response = client.get(
            "/finance/", {"issued_from": f"{year}-03-01", "issued_to": f"{year}-03-31"}
        )

        assert sorted(_numbers(response)) == sorted([march_first.number, march_last.number])

    def test_filter_by_organisation_and_event_text(self, client, finance):
        oldham = _invoice(organisation="Oldham Council", description="Share Digital: Member")
        conwy = _invoice(
            organisation="Conwy County Borough Council", description="Leaders' Summit: Standard"
        )
        mixed = _invoice(
            organisation="Oldham Council",
            lines=[
                LineSpec("Leaders' Summit: Member", 1, Decimal("150.00"), Decimal("20")),
                LineSpec("Share Digital: Workshop", 1, Decimal("49.99"), Decimal("20")),
            ],
        )

        assert sorted(_numbers(client.get("/finance/", {"organisation": "oldham"}))) == sorted(
            [oldham.number, mixed.number]
        )
        assert sorted(_numbers(client.get("/finance/", {"event": "leaders' SUMMIT"}))) == sorted(
            [conwy.number, mixed.number]
        )
        both = client.get("/finance/", {"event": "summit", "organisation": "conwy"})
        assert _numbers(both) == [conwy.number]

    def test_filter_by_number_or_purchase_order(self, client, finance):
        first = _invoice(purchase_order="PO-1111")
        second = _invoice(purchase_order="PO-2222")

        assert _numbers(client.get("/finance/", {"q": second.number})) == [second.number]
        assert _numbers(client.get("/finance/", {"q": "1111"})) == [first.number]
        assert _numbers(client.get("/finance/", {"q": first.order.reference})) == [first.number]

    def test_a_filter_that_does_not_parse_is_ignored_and_said_so(self, client, finance):
        _invoice()

        response = client.get("/finance/", {"issued_from": "31/02/2026", "status": "nonsense"})

        assert response.status_code == 200
        assert len(_numbers(response)) == 1
        assert "Some filters were not understood" in response.content.decode()

    def test_credit_notes_follow_the_filters(self, client, finance):
        oldham = _invoice(organisation="Oldham Council")
        conwy = _invoice(organisation="Conwy Council")
        oldham_credit = credit_note_for_amount(
            invoice=oldham, gross=Decimal("10.00"), reason="Goodwill"
        )
        credit_note_for_amount(invoice=conwy, gross=Decimal("20.00"), reason="Goodwill")

        response = client.get("/finance/", {"organisation": "oldham"})

        assert _numbers(response, "credit_page") == [oldham_credit.number]
        assert response.context["credit_totals"].gross == Decimal("10.00")

    def test_totals_add_up_to_the_penny(self, client, finance):
        _invoice(lines=[LineSpec("A", 3, Decimal("33.33"), Decimal("20"))])
        _invoice(lines=[LineSpec("B", 1, Decimal("12.34"), Decimal("20"))])
        invoice = _invoice(
            lines=[
                LineSpec("C", 1, Decimal("49.99"), Decimal("20")),
                LineSpec("D", 1, Decimal("10.01"), Decimal("0")),
            ]
        )
        credit_note_for_amount(invoice=invoice, gross=Decimal("25.01"), reason="Goodwill")

        response = client.get("/finance/")

        invoices, credits, net = (
            response.context["invoice_totals"],
            response.context["credit_totals"],
            response.context["net_totals"],
        )
        # 99.99 + 20.01 VAT (3 × 6.67); 12.34 + 2.47; 49.99 + 10.00 VAT and 10.01 at 0%.
        assert (invoices.count, invoices.net, invoices.vat, invoices.gross) == (
            3,
            Decimal("172.33"),
            Decimal("32.48"),
            Decimal("204.81"),
        )
        assert (credits.count, credits.gross) == (1, Decimal("25.01"))
        assert credits.net + credits.vat == credits.gross
        assert net.gross == Decimal("179.80")
        assert net.net == invoices.net - credits.net
        page = response.content.decode()
        assert "£204.81" in page and "£25.01" in page and "£179.80" in page


# --- The ledger CSV and the ZIP -------------------------------------------------------


def _csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


class TestExports:
    def test_a_months_export_adds_up_to_the_penny(self, client, finance):
        year = timezone.localdate().year - 1
        first = _invoice(
            at=london(year, 3, 2, 10),
            lines=[
                LineSpec("Share Digital: Member", 2, Decimal("195.00"), Decimal("20")),
                LineSpec("Share Digital: Workshop", 1, Decimal("49.99"), Decimal("20")),
            ],
        )
        _card_paid_invoice(
            at=london(year, 3, 15, 14),
            lines=[LineSpec("Leaders' Summit: Standard", 3, Decimal("33.33"), Decimal("20"))],
        )
        _invoice(
            at=london(year, 3, 31, 23, 30),
            lines=[LineSpec("Academy cohort", 1, Decimal("1234.57"), Decimal("20"))],
        )
        credit_note_for_amount(
            invoice=first, gross=Decimal("117.01"), reason="One place", now=london(year, 3, 20)
        )
        # Outside the month: neither counted nor exported.
        _invoice(at=london(year, 4, 1, 0, 30))
        query = {"issued_from": f"{year}-03-01", "issued_to": f"{year}-03-31"}

        page = client.get("/finance/", query)
        rows = _csv_rows(client.get("/finance/export.csv", query))

        def summed(kind, column):
            return sum((Decimal(r[column]) for r in rows if r["Kind"] == kind), Decimal("0"))

        for kind, key, model in [
            ("invoice", "invoice_totals", Invoice),
            ("credit_note", "credit_totals", CreditNote),
        ]:
            in_month = [
                d for d in model.objects.all() if timezone.localtime(d.issued_at).date().month == 3
            ]
            totals = page.context[key]
            for column, field in [("Net", "net"), ("VAT", "vat"), ("Gross", "gross")]:
                database = sum((getattr(d, f"total_{field}") for d in in_month), Decimal("0"))
                assert summed(kind, column) == getattr(totals, field) == database, (kind, column)
        assert [r["Kind"] for r in rows].count("invoice") == 3
        assert [r["Kind"] for r in rows].count("credit_note") == 1
        assert page.context["net_totals"].gross == summed("invoice", "Gross") - summed(
            "credit_note", "Gross"
        )

    def test_the_csv_has_the_ledger_columns(self, client, finance):
        paid = _card_paid_invoice(intent="pi_3Ledger", purchase_order="PO-42")
        unpaid = _invoice()

        response = client.get("/finance/export.csv")

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
        rows = {row["Number"]: row for row in _csv_rows(response)}
        assert list(next(iter(rows.values()))) == [
            "Number",
            "Kind",
            "Date",
            "Customer",
            "Purchase order",
            "Net",
            "VAT",
            "Gross",
            "Status",
            "Paid on",
            "Stripe id",
            "Order reference",
        ]
        assert rows[paid.number] == {
            "Number": paid.number,
            "Kind": "invoice",
            "Date": timezone.localdate().isoformat(),
            "Customer": "Oldham Council",
            "Purchase order": "PO-42",
            "Net": "195.00",
            "VAT": "39.00",
            "Gross": "234.00",
            "Status": "Paid",
            "Paid on": timezone.localdate().isoformat(),
            "Stripe id": "pi_3Ledger",
            "Order reference": paid.order.reference,
        }
        assert rows[unpaid.number]["Status"] == "Unpaid"
        assert rows[unpaid.number]["Paid on"] == ""
        assert rows[unpaid.number]["Stripe id"] == ""

    def test_the_csv_never_carries_a_formula(self, client, finance):
        invoice = _invoice(organisation='=HYPERLINK("http://evil.example","Click")')

        rows = _csv_rows(client.get("/finance/export.csv"))

        assert rows[0]["Number"] == invoice.number
        assert rows[0]["Customer"] == '\'=HYPERLINK("http://evil.example","Click")'

    def test_the_csv_follows_the_filters(self, client, finance):
        _invoice(organisation="Oldham Council")
        conwy = _invoice(organisation="Conwy Council")

        rows = _csv_rows(client.get("/finance/export.csv", {"organisation": "conwy"}))

        assert [row["Number"] for row in rows] == [conwy.number]

    def test_the_zip_holds_one_pdf_per_document(self, client, finance):
        first = _attach_pdf(_invoice(organisation="Oldham Council"), PDF + b"%first")
        second = _attach_pdf(_invoice(organisation="Oldham Council"), PDF + b"%second")
        credit = _attach_pdf(
            credit_note_for_amount(invoice=first, gross=Decimal("10.00"), reason="Goodwill"),
            PDF + b"%credit",
        )
        _attach_pdf(_invoice(organisation="Conwy Council"))

        response = client.get("/finance/export.zip", {"organisation": "oldham"})

        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith("attachment;")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert sorted(archive.namelist()) == sorted(
            f"{d.number}.pdf" for d in (first, second, credit)
        )
        assert archive.read(f"{second.number}.pdf") == PDF + b"%second"
        assert archive.read(f"{credit.number}.pdf") == PDF + b"%credit"

    def test_the_zip_renders_a_pdf_the_task_has_not_made_yet(self, client, finance):
        invoice = _invoice()

        response = client.get("/finance/export.zip")

        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert archive.namelist() == [f"{invoice.number}.pdf"]
        assert archive.read(f"{invoice.number}.pdf").startswith(b"%PDF")

    def test_one_pdf_is_served_from_storage(self, client, finance):
        invoice = _attach_pdf(_invoice())
        credit = _attach_pdf(
            credit_note_for_amount(invoice=invoice, gross=Decimal("1.00"), reason="Goodwill"),
            PDF + b"%credit",
        )

        response = client.get(f"/finance/invoices/{invoice.number}.pdf")
        credit_response = client.get(f"/finance/credit-notes/{credit.number}.pdf")

        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
        assert b"".join(credit_response.streaming_content) == PDF + b"%credit"


# --- Invoice page, marking paid, resending --------------------------------------------


def _book_by_invoice(places=2):
    event = EventFactory(title="Share Digital", capacity=10)
    ticket = TicketTypeFactory(event=event, name="Member", price_net=Decimal("195.00"))
    booker = UserFactory(email="rhian@oldham.gov.uk")
    order = booking_create(
        event_id=event.pk,
        booker=booker,
        booker_name="Rhian Pritchard",
        booker_email=booker.email,
        places=[
            PlaceRequest(
                ticket.pk, DelegateDetails(f"Delegate{n}", "Jones", f"d{n}@oldham.gov.uk")
            )
            for n in range(places)
        ],
        payment_method="invoice",
        billing=Billing(organisation="Oldham Council", purchase_order="PO-9"),
    )
    return invoice_issue(order=order)


def _mark_paid(client, invoice, amount, *, received_on=None, reference="BACS 7781"):
    return client.post(
        f"/finance/invoices/{invoice.number}/mark-paid/",
        {
            "paid-amount": amount,
            "paid-received_on": (received_on or timezone.localdate()).isoformat(),
            "paid-reference": reference,
        },
    )


class TestMarkPaid:
    def test_the_invoice_page_shows_lines_and_what_is_owed(self, client, finance):
        invoice = _book_by_invoice()

        response = client.get(f"/finance/invoices/{invoice.number}/")

        page = response.content.decode()
        assert response.status_code == 200
        assert "Share Digital" in page and "PO-9" in page
        assert "£468.00" in page  # 2 × £195 + VAT
        assert "Record a bank transfer" in page
        assert "Refund to the card" not in page

    def test_paying_in_full_marks_the_order_paid_and_keeps_the_places(self, client, finance):
        invoice = _book_by_invoice()

        response = _mark_paid(client, invoice, "468.00")

        assert response.status_code == 302
        assert response.url == f"/finance/invoices/{invoice.number}/"
        order = Order.objects.get(pk=invoice.order_id)
        assert order.state == Order.State.PAID
        payment = Payment.objects.get(order=order)
        assert (payment.method, payment.state, payment.amount) == (
            Payment.Method.BANK_TRANSFER,
            Payment.State.SUCCEEDED,
            Decimal("468.00"),
        )
        assert (payment.reference, payment.received_on, payment.recorded_by) == (
            "BACS 7781",
            timezone.localdate(),
            finance,
        )
        assert set(order.event_registrations.values_list("state", flat=True)) == {
            Registration.State.CONFIRMED
        }
        page = client.get(response.url).content.decode()
        assert f"Invoice {invoice.number} is paid." in page
        assert "Record a bank transfer" not in page

    def test_a_part_payment_is_recorded_and_the_rest_stays_owed(self, client, finance):
        invoice = _book_by_invoice()

        _mark_paid(client, invoice, "400.00")

        order = Order.objects.get(pk=invoice.order_id)
        assert order.state == Order.State.PENDING
        assert invoice_get(number=invoice.number).status == InvoiceStatus.PART_PAID
        page = client.get(f"/finance/invoices/{invoice.number}/").content.decode()
        assert "£68.00 is still owed" in page
        assert "Part paid" in page

        _mark_paid(client, invoice, "68.00", reference="BACS 7790")

        assert Order.objects.get(pk=order.pk).state == Order.State.PAID
        assert invoice_get(number=invoice.number).status == InvoiceStatus.PAID

    def test_more_than_is_owed_is_refused_and_nothing_is_written(self, client, finance):
        invoice = _book_by_invoice()

        response = _mark_paid(client, invoice, "468.01")

        page = response.content.decode()
        assert response.status_code == 200
        assert "<title>Error: Invoice" in page
        assert "There is a problem" in page
        assert "£468.01 is more than is owed" in page and "£468.00 is left to pay" in page
        assert 'href="#id_paid-amount"' in page
        assert not Payment.objects.exists()
        assert Order.objects.get(pk=invoice.order_id).state == Order.State.PENDING

    def test_bad_input_shows_the_error_summary(self, client, finance):
        invoice = _book_by_invoice()

        response = client.post(
            f"/finance/invoices/{invoice.number}/mark-paid/",
            {"paid-amount": "12.345", "paid-received_on": "", "paid-reference": ""},
        )

        page = response.content.decode()
        assert "There is a problem" in page
        assert "Amount must have no more than 2 decimal places" in page
        assert "Enter the date the money arrived" in page
        assert "Enter the bank reference" in page
        assert not Payment.objects.exists()

    def test_a_date_in_the_future_is_refused(self, client, finance):
        invoice = _book_by_invoice()

        response = _mark_paid(
            client, invoice, "468.00", received_on=timezone.localdate() + datetime.timedelta(1)
        )

        assert "must be today or in the past" in response.content.decode()
        assert not Payment.objects.exists()

    def test_a_paid_invoice_cannot_be_paid_again(self, finance):
        invoice = _card_paid_invoice()

        with pytest.raises(PaymentNotRecorded, match="already been paid"):
            invoice_mark_paid(
                invoice=invoice,
                amount=Decimal("1.00"),
                received_on=timezone.localdate(),
                reference="X",
                by=finance,
            )
        assert Payment.objects.count() == 1

    def test_resend_queues_the_invoice_email(
        self, client, finance, monkeypatch, django_capture_on_commit_callbacks
    ):
        invoice = _invoice()
        queued = []
        monkeypatch.setattr(
            "core.tasks.async_task", lambda func, *args, **kw: queued.append((func, args))
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/finance/invoices/{invoice.number}/resend/")

        assert response.status_code == 302
        assert queued == [("payments.tasks.send_invoice_email", (invoice.pk, True))]
        assert client.get(f"/finance/invoices/{invoice.number}/resend/").status_code == 405


# --- Refunds -----------------------------------------------------------------------------


class TestRefunds:
    def test_finance_refund_part_of_a_card_payment(self, client, finance):
        invoice = _card_paid_invoice()
        page = client.get(f"/finance/invoices/{invoice.number}/").content.decode()
        assert "Refund to the card" in page and "Up to £234.00" in page

        response = client.post(
            f"/finance/orders/{invoice.order.reference}/refund/",
            {"refund-amount": "50.00", "refund-reason": "Speaker cancelled a session"},
        )

        assert response.status_code == 302
        assert response.url == f"/finance/invoices/{invoice.number}/"
        refund = Refund.objects.get()
        assert (refund.amount, refund.reason, refund.requested_by) == (
            Decimal("50.00"),
            "Speaker cancelled a session",
            finance,
        )
        assert refund.credit_note.total_gross == Decimal("50.00")
        page = client.get(response.url).content.decode()
        assert refund.credit_note.number in page
        assert "Up to £184.00" in page

    def test_more_than_was_paid_is_refused(self, client, finance):
        invoice = _card_paid_invoice()

        response = client.post(
            f"/finance/orders/{invoice.order.reference}/refund/",
            {"refund-amount": "234.01", "refund-reason": "Goodwill"},
        )

        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page
        assert "You can refund up to £234.00" in page
        assert 'href="#id_refund-amount"' in page
        assert not Refund.objects.exists()
        assert not CreditNote.objects.exists()

    def test_a_reason_is_required(self, client, finance):
        invoice = _card_paid_invoice()

        response = client.post(
            f"/finance/orders/{invoice.order.reference}/refund/",
            {"refund-amount": "10.00", "refund-reason": ""},
        )

        assert "Enter the reason for the refund" in response.content.decode()
        assert not Refund.objects.exists()

    def test_an_invoice_order_offers_no_card_refund(self, client, finance):
        invoice = _invoice()

        response = client.post(
            f"/finance/orders/{invoice.order.reference}/refund/",
            {"refund-amount": "10.00", "refund-reason": "Goodwill"},
        )

        assert "has no card payment left to refund" in response.content.decode()
        assert not Refund.objects.exists()

    def test_event_staff_cannot_refund(self, client):
        invoice = _card_paid_invoice()
        client.force_login(_in_role(roles.EVENT_STAFF))

        response = client.post(
            f"/finance/orders/{invoice.order.reference}/refund/",
            {"refund-amount": "10.00", "refund-reason": "Goodwill"},
        )

        assert response.status_code == 403
        assert not Refund.objects.exists()


# --- Payments and flagged orders ----------------------------------------------------------


class TestPaymentsAndFlags:
    def test_payments_list_with_stripe_ids_and_filters(self, client, finance):
        card = _card_paid_invoice(intent="pi_3CardOne")
        invoice = _book_by_invoice()
        _mark_paid(client, invoice, "100.00", received_on=timezone.localdate())

        everything = client.get("/finance/payments/")
        bank = client.get("/finance/payments/", {"method": "bank_transfer"})
        old = client.get("/finance/payments/", {"received_to": "2000-01-01"})

        page = everything.content.decode()
        assert "pi_3CardOne" in page and "BACS 7781" in page
        assert everything.context["total_received"] == card.total_gross + Decimal("100.00")
        assert [p.method for p in bank.context["page"].object_list] == ["bank_transfer"]
        assert list(old.context["page"].object_list) == []

    def test_flagged_orders_are_listed_and_their_flag_cleared(self, client, finance):
        invoice = _card_paid_invoice()
        Order.objects.filter(pk=invoice.order_id).update(
            flagged=True, flag_reason="Dispute opened: fraudulent"
        )
        unflagged = _card_paid_invoice(intent="pi_other")

        response = client.get("/finance/flagged/")

        page = response.content.decode()
        assert "Dispute opened: fraudulent" in page
        assert invoice.order.reference in page
        assert unflagged.order.reference not in page
        detail = client.get(f"/finance/invoices/{invoice.number}/").content.decode()
        assert "This booking is flagged for finance: Dispute opened: fraudulent" in detail

        cleared = client.post(
            f"/finance/orders/{invoice.order.reference}/clear-flag/", {"next": "flagged"}
        )

        assert cleared.status_code == 302 and cleared.url == "/finance/flagged/"
        order = Order.objects.get(pk=invoice.order_id)
        assert order.flagged is False
        assert order.flag_reason == "Dispute opened: fraudulent"
        assert "No orders are flagged." in client.get("/finance/flagged/").content.decode()

    def test_a_flagged_order_with_no_invoice_has_its_own_page(self, client, finance):
        order = _order(method="card")
        Order.objects.filter(pk=order.pk).update(flagged=True, flag_reason="Amount mismatch")

        response = client.get(f"/finance/orders/{order.reference}/")

        assert response.status_code == 200
        assert "Amount mismatch" in response.content.decode()

    def test_an_order_with_an_invoice_goes_to_the_invoice_page(self, client, finance):
        invoice = _invoice()

        response = client.get(f"/finance/orders/{invoice.order.reference}/")

        assert response.status_code == 302
        assert response.url == f"/finance/invoices/{invoice.number}/"

    def test_only_finance_clear_flags(self, client):
        order = _order(method="card")
        Order.objects.filter(pk=order.pk).update(flagged=True, flag_reason="Dispute")
        client.force_login(_in_role(roles.EVENT_STAFF))

        assert client.post(f"/finance/orders/{order.reference}/clear-flag/").status_code == 403
        assert Order.objects.get(pk=order.pk).flagged is True


# --- Overdue reminders ---------------------------------------------------------------


class TestOverdueReminders:
    def test_sent_once_a_period_to_the_booker_with_how_to_pay(self, settings, mailoutbox):
        settings.INVOICE_REMINDER_EVERY_DAYS = 7
        overdue = _attach_pdf(_invoice(at=_days_ago(40), email="payer@oldham.gov.uk"))

        assert overdue_reminders_send() == 1

        message = mailoutbox[0]
        assert message.to == ["payer@oldham.gov.uk"]
        assert message.subject == f"Invoice {overdue.number} is overdue: £234.00 to pay"
        assert overdue.number in message.body
        assert "£234.00" in message.body
        assert f"{overdue.due_on:%-d %B %Y}" in message.body
        assert settings.SELLER["bank_account_number"] in message.body
        assert f"/payments/orders/{overdue.order.reference}/pay/" in message.body
        assert message.attachments[0][0] == f"{overdue.number}.pdf"
        assert message.attachments[0][1] == PDF

        assert overdue_reminders_send() == 0
        assert overdue_reminders_send(now=timezone.now() + datetime.timedelta(days=6)) == 0
        assert (
            overdue_reminders_send(now=timezone.now() + datetime.timedelta(days=7, hours=1)) == 1
        )
        assert len(mailoutbox) == 2

    def test_not_sent_for_paid_cancelled_card_or_not_yet_due(self, mailoutbox):
        paid = _invoice(at=_days_ago(40))
        invoice_mark_paid(
            invoice=paid,
            amount=paid.total_gross,
            received_on=timezone.localdate(),
            reference="BACS",
            by=None,
        )
        credited = _invoice(at=_days_ago(40))
        credit_note_for_amount(invoice=credited, gross=credited.total_gross, reason="Cancelled")
        Order.objects.filter(pk=credited.order_id).update(state=Order.State.CANCELLED)
        _card_paid_invoice(at=_days_ago(40))
        _invoice()  # not yet due

        assert overdue_reminders_send() == 0
        assert mailoutbox == []

    def test_a_part_paid_overdue_invoice_asks_for_the_rest(self, mailoutbox):
        overdue = _attach_pdf(_invoice(at=_days_ago(40)))
        invoice_mark_paid(
            invoice=overdue,
            amount=Decimal("200.00"),
            received_on=timezone.localdate(),
            reference="BACS",
            by=None,
        )

        assert overdue_reminders_send() == 1
        assert "£34.00" in mailoutbox[0].subject
        assert "£200.00 of £234.00 received so far" in mailoutbox[0].body

    def test_the_daily_task_sends_them(self, mailoutbox):
        _attach_pdf(_invoice(at=_days_ago(40)))

        assert tasks.send_overdue_invoice_reminders() == 1
        assert len(mailoutbox) == 1
        schedule = Schedule.objects.get(func="payments.tasks.send_overdue_invoice_reminders")
        assert schedule.minutes == 1440
