"""The booking pages and the waiting list, through the test client as a booker meets them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from events.booking_forms import split_full_name
from events.models import DiscountCode, Registration, TicketType, WaitingListEntry
from payments.models import Order
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

BOOK = "/events/share-digital/book/"
DELEGATES = BOOK + "delegates/"
PAYMENT = BOOK + "payment/"
CHECK = BOOK + "check/"

INVOICE = {
    "payment_method": "invoice",
    "billing_organisation": "Conwy County Borough Council",
    "billing_address": "Bodlondeb\nConwy",
    "billing_postcode": "ll32 8du",
    "purchase_order": "PO-4471",
    "vat_number": "",
}


def _text(response) -> str:
    return response.content.decode()


def _colleague(number=2, **answers) -> dict:
    data = {
        "first_name": "Gareth",
        "last_name": "Morgan",
        "email": "gareth.morgan@conwy.gov.uk",
        "job_title": "Service designer",
        "organisation": "Conwy County Borough Council",
        "dietary": "Vegetarian",
        "access_needs": "",
        "attendee_list_consent": "on",
        **answers,
    }
    return {f"place-{number}-{name}": value for name, value in data.items() if value is not None}


@pytest.fixture(autouse=True)
def _no_card_payments(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""


@pytest.fixture
def booker():
    organisation = OrganisationFactory(name="Conwy County Borough Council")
    return UserFactory(
        email="rhian.pritchard@example.net",
        full_name="Rhian Pritchard",
        job_title="Head of Digital",
        organisation=organisation,
    )


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital", capacity=100)


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100.00"))


@pytest.fixture
def signed_in(client, booker):
    client.force_login(booker)
    return client


def _reach_check(client, ticket_type, places=2, discount_code="", payment=INVOICE):
    response = client.post(
        BOOK, {f"places_{ticket_type.pk}": places, "discount_code": discount_code}
    )
    assert response.status_code == 302, _text(response)
    delegates = {"place-1-for_me": "on"}
    for number in range(2, places + 1):
        delegates |= _colleague(number, email=f"colleague{number}@conwy.gov.uk")
    response = client.post(DELEGATES, delegates)
    assert response.status_code == 302, _text(response)
    if response.url == PAYMENT:
        response = client.post(PAYMENT, payment)
        assert response.status_code == 302, _text(response)
    assert response.url == CHECK
    return client.get(CHECK)


# --- the whole flow ----------------------------------------------------------------


def test_booker_books_themselves_and_a_colleague_by_invoice(signed_in, booker, standard):
    response = signed_in.get(BOOK)
    assert "How many places do you want?" in _text(response)
    assert "£100.00 each plus VAT (£120.00 including VAT)" in _text(response)

    response = signed_in.post(BOOK, {f"places_{standard.pk}": "2", "discount_code": ""})
    assert response.url == DELEGATES

    response = signed_in.get(DELEGATES)
    assert "Place 1: Standard" in _text(response)
    assert "Place 2: Standard" in _text(response)
    assert "This place is for me" in _text(response)

    # "This place is for me" with the answers left blank takes the booker's own details.
    response = signed_in.post(DELEGATES, {"place-1-for_me": "on"} | _colleague(2))
    assert response.url == PAYMENT

    response = signed_in.get(PAYMENT)
    assert "Invoice details" in _text(response)
    assert "Pay by card" not in _text(response)
    assert 'value="Conwy County Borough Council"' in _text(response)

    response = signed_in.post(PAYMENT, INVOICE)
    assert response.url == CHECK

    response = signed_in.get(CHECK)
    page = _text(response)
    assert "Check your answers before booking" in page
    assert "Rhian Pritchard (you)" in page
    assert "gareth.morgan@conwy.gov.uk" in page
    assert "PO-4471" in page
    assert "LL32 8DU" in page
    assert "£200.00" in page  # net
    assert "£40.00" in page  # VAT
    assert "£240.00" in page  # to pay
    assert Order.objects.count() == 0

    response = signed_in.post(CHECK)
    order = Order.objects.get()
    assert response.url == f"/events/share-digital/book/done/{order.reference}/"
    assert order.booker == booker
    assert order.payment_method == Order.PaymentMethod.INVOICE
    assert (order.purchase_order, order.billing_postcode) == ("PO-4471", "LL32 8DU")
    assert order.billing_organisation == "Conwy County Borough Council"
    assert order.total_gross == Decimal("240.00")

    me, colleague = order.event_registrations.order_by("pk")
    assert (me.first_name, me.last_name, me.email) == (
        "Rhian",
        "Pritchard",
        "rhian.pritchard@example.net",
    )
    assert (me.job_title, me.organisation) == ("Head of Digital", "Conwy County Borough Council")
    assert me.delegate == booker
    assert (colleague.full_name, colleague.delegate) == ("Gareth Morgan", None)
    assert colleague.dietary == "Vegetarian"
    assert colleague.attendee_list_consent
    assert {me.state, colleague.state} == {Registration.State.CONFIRMED}

    done = signed_in.get(response.url)
    assert "Booking complete" in _text(done)
    assert order.reference in _text(done)
    assert "invoice for £240.00" in _text(done)
    assert "/my-bookings/" in _text(done)

    # The draft is gone: confirming again books nothing more.
    again = signed_in.post(CHECK)
    assert again.url == BOOK
    assert Order.objects.count() == 1


def test_free_event_skips_payment(signed_in, event):
    free = TicketTypeFactory(event=event, name="Free place", price_net=Decimal("0"))
    signed_in.post(BOOK, {f"places_{free.pk}": "1"})

    response = signed_in.post(DELEGATES, {"place-1-for_me": "on"})
    assert response.url == CHECK
    assert signed_in.get(PAYMENT).url == CHECK
    assert "Your places are free" in _text(signed_in.get(CHECK))

    signed_in.post(CHECK)

    order = Order.objects.get()
    assert (order.payment_method, order.state) == (Order.PaymentMethod.FREE, Order.State.PAID)
    assert order.event_registrations.get().state == Registration.State.CONFIRMED


def test_card_is_offered_only_with_stripe_configured(signed_in, standard, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    signed_in.post(BOOK, {f"places_{standard.pk}": "1"})
    signed_in.post(DELEGATES, {"place-1-for_me": "on"})

    assert "Pay by card" in _text(signed_in.get(PAYMENT))
    response = signed_in.post(PAYMENT, {"payment_method": "card"})
    assert response.url == CHECK
    assert "hold your places for 30 minutes" in _text(signed_in.get(CHECK))

    done = signed_in.get(signed_in.post(CHECK).url)

    order = Order.objects.get()
    assert (order.payment_method, order.state) == (Order.PaymentMethod.CARD, Order.State.PENDING)
    assert order.billing_organisation == ""
    assert order.event_registrations.get().state == Registration.State.PENDING
    assert "Places held" in _text(done)
    assert "how to pay by card" in _text(done)


def test_invoice_needs_an_organisation_and_address(signed_in, standard, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_example"
    signed_in.post(BOOK, {f"places_{standard.pk}": "1"})
    signed_in.post(DELEGATES, {"place-1-for_me": "on"})

    response = signed_in.post(PAYMENT, {"payment_method": "invoice", "vat_number": "12"})
    page = _text(response)

    assert "<title>Error: How do you want to pay?" in page
    assert "Enter the name of the organisation to invoice" in page
    assert "Enter the address to send the invoice to" in page
    assert "Enter the postcode of the invoice address" in page
    assert "Enter a VAT number in the correct format" in page
    assert signed_in.get(CHECK).url == PAYMENT

    response = signed_in.post(PAYMENT, {"billing_postcode": "nowhere"})
    assert "Select how you want to pay" in _text(response)
    # The invoice questions belong to paying by invoice alone.
    assert "Enter the name of the organisation to invoice" not in _text(response)
    assert "Enter a real postcode" not in _text(response)

    response = signed_in.post(PAYMENT, {"payment_method": "card", "billing_postcode": "nowhere"})
    assert response.url == CHECK


def test_a_blank_number_of_places_means_none(signed_in, event, standard):
    concession = TicketTypeFactory(event=event, name="Concession", price_net=Decimal("50"))

    response = signed_in.post(BOOK, {f"places_{standard.pk}": "", f"places_{concession.pk}": "1"})

    assert response.url == DELEGATES
    assert "Place 1: Concession" in _text(signed_in.get(DELEGATES))


def test_steps_out_of_order_go_to_the_first_missing_step(signed_in, standard):
    assert signed_in.get(CHECK).url == BOOK
    assert signed_in.get(DELEGATES).url == BOOK
    assert signed_in.get(PAYMENT).url == BOOK

    signed_in.post(BOOK, {f"places_{standard.pk}": "1"})

    assert signed_in.get(PAYMENT).url == DELEGATES
    assert signed_in.get(CHECK).url == DELEGATES


def test_change_links_keep_the_answers(signed_in, standard):
    page = _text(_reach_check(signed_in, standard, places=2))
    assert f'href="{BOOK}"' in page
    assert f'href="{DELEGATES}#place-2"' in page
    assert f'href="{PAYMENT}"' in page

    # The first step shows what was chosen; changing nothing returns to the check page.
    assert 'value="2"' in _text(signed_in.get(BOOK))
    assert signed_in.post(BOOK, {f"places_{standard.pk}": "2"}).url == CHECK

    delegates = _text(signed_in.get(DELEGATES))
    assert 'value="colleague2@conwy.gov.uk"' in delegates
    assert 'value="Rhian"' in delegates
    response = signed_in.post(
        DELEGATES,
        {"place-1-for_me": "on"} | _colleague(2, first_name="Bethan", email="bethan@conwy.gov.uk"),
    )
    assert response.url == CHECK

    assert "PO-4471" in _text(signed_in.get(PAYMENT))
    page = _text(signed_in.get(CHECK))
    assert "Bethan Morgan" in page
    assert "PO-4471" in page

    # A third place needs a third delegate before the booking can be checked again.
    assert signed_in.post(BOOK, {f"places_{standard.pk}": "3"}).url == DELEGATES
    assert signed_in.get(CHECK).url == DELEGATES
    assert 'value="bethan@conwy.gov.uk"' in _text(signed_in.get(DELEGATES))


# --- rules the pages and booking_create enforce ------------------------------------


@pytest.fixture
def priced_by_membership(event):
    member = TicketTypeFactory(
        event=event, name="Member", audience=TicketType.Audience.MEMBER, price_net=Decimal("195")
    )
    non_member = TicketTypeFactory(
        event=event,
        name="Non-member",
        audience=TicketType.Audience.NON_MEMBER,
        price_net=Decimal("345"),
    )
    return member, non_member


def test_member_tickets_are_hidden_from_non_members(signed_in, priced_by_membership):
    member, non_member = priced_by_membership

    page = _text(signed_in.get(BOOK))

    assert f'name="places_{non_member.pk}"' in page
    assert f'name="places_{member.pk}"' not in page

    response = signed_in.post(BOOK, {f"places_{member.pk}": "1"})
    assert "Choose at least one place" in _text(response)
    assert signed_in.get(DELEGATES).url == BOOK


def test_member_tickets_are_offered_to_members(client, priced_by_membership):
    member, non_member = priced_by_membership
    OrganisationFactory(name="Powys County Council", domains=["powys.gov.uk"])
    client.force_login(UserFactory(email="ceri@powys.gov.uk"))

    page = _text(client.get(BOOK))

    assert f'name="places_{member.pk}"' in page
    assert f'name="places_{non_member.pk}"' not in page


def test_booking_refuses_a_member_ticket_for_a_non_member_at_the_end(
    signed_in, priced_by_membership
):
    member, _ = priced_by_membership
    session = signed_in.session
    session["booking:share-digital"] = {
        "quantities": {str(member.pk): 1},
        "delegates": [
            {"first_name": "Rhian", "last_name": "Pritchard", "email": "r@example.net"}
            | dict.fromkeys(["job_title", "organisation", "dietary", "access_needs"], "")
            | {"attendee_list_consent": False, "for_me": True}
        ],
        "payment": {k: v for k, v in INVOICE.items() if k != "payment_method"}
        | {"method": "invoice"},
    }
    session.save()

    response = signed_in.post(CHECK)

    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    assert "“Member” tickets are for members only" in _text(response)
    assert not Order.objects.exists()


def test_members_only_event_says_so_to_a_non_member(signed_in, event, standard):
    event.members_only = True
    event.save()

    page = _text(signed_in.get(BOOK))

    assert "This event is for members only" in page
    assert f'name="places_{standard.pk}"' not in page


def test_max_per_booking_is_enforced_with_a_message(signed_in, standard):
    standard.max_per_booking = 2
    standard.save()

    response = signed_in.post(BOOK, {f"places_{standard.pk}": "3"})

    page = _text(response)
    assert "<title>Error: How many places do you want?" in page
    assert "You can book up to 2 “Standard” places at a time" in page
    assert f'href="#id_places_{standard.pk}"' in page
    assert signed_in.get(DELEGATES).url == BOOK


def test_sold_out_between_check_and_confirm_writes_nothing(signed_in, event, standard):
    event.capacity = 2
    event.save()
    _reach_check(signed_in, standard, places=2)
    RegistrationFactory(ticket_type=standard)  # someone else books meanwhile
    orders, places = Order.objects.count(), Registration.objects.count()

    response = signed_in.post(CHECK)

    page = _text(response)
    assert response.status_code == 200
    assert "<title>Error: Check your answers before booking" in page
    assert "There is a problem" in page
    assert "Only 1 place left at this event." in page
    assert (Order.objects.count(), Registration.objects.count()) == (orders, places)
    # The answers are kept, so the booker can change the number of places.
    assert signed_in.get(CHECK).status_code == 200


def test_closed_registration_shows_no_form(signed_in, event, standard):
    event.registration_closes_at = timezone.now() - datetime.timedelta(hours=1)
    event.registration_opens_at = timezone.now() - datetime.timedelta(days=10)
    event.save()

    page = _text(signed_in.get(BOOK))

    assert "You cannot book places at the moment" in page
    assert "Registration closed" in page
    assert f'name="places_{standard.pk}"' not in page


def test_bad_delegate_email_shows_the_error_summary(signed_in, standard):
    signed_in.post(BOOK, {f"places_{standard.pk}": "2"})

    response = signed_in.post(
        DELEGATES, _colleague(1, email="gareth at conwy") | _colleague(2, first_name="")
    )

    page = _text(response)
    assert "<title>Error: Who are the places for?" in page
    assert "There is a problem" in page
    assert (
        '<a href="#id_place-1-email">Enter an email address for place 1 in the correct format'
        in page
    )
    assert '<a href="#id_place-2-first_name">Enter a first name for place 2</a>' in page
    assert signed_in.get(PAYMENT).url == DELEGATES


def test_same_email_twice_is_an_error(signed_in, standard):
    signed_in.post(BOOK, {f"places_{standard.pk}": "2"})

    response = signed_in.post(DELEGATES, _colleague(1) | _colleague(2, first_name="Someone"))

    assert "Place 2 has the same email address as place 1" in _text(response)


def test_for_me_uses_what_the_booker_typed_over_their_profile(signed_in, standard):
    signed_in.post(BOOK, {f"places_{standard.pk}": "1"})

    signed_in.post(
        DELEGATES,
        {"place-1-for_me": "on", "place-1-first_name": "Rhi", "place-1-dietary": "Vegan"},
    )

    page = _text(signed_in.get(DELEGATES))
    assert 'value="Rhi"' in page
    assert 'value="Pritchard"' in page
    assert "Vegan" in page


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Rhian Pritchard", ("Rhian", "Pritchard")),
        ("Dr Aled ap Gwynfor", ("Aled", "ap Gwynfor")),
        ("Sarah van der Berg", ("Sarah", "van der Berg")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
    ],
)
def test_split_full_name(full_name, expected):
    assert split_full_name(full_name) == expected


# --- discount codes ------------------------------------------------------------------


def test_percent_discount_is_shown_and_charged(signed_in, event, standard):
    code = DiscountCode.objects.create(
        code="SHARE10", kind=DiscountCode.Kind.PERCENT, value=Decimal("10"), event=event
    )

    page = _text(_reach_check(signed_in, standard, places=2, discount_code=" share10 "))

    assert "SHARE10: 10% off" in page
    assert "£90.00" in page  # each, net
    assert "£180.00" in page  # net
    assert "£36.00" in page  # VAT
    assert "£216.00" in page  # to pay

    signed_in.post(CHECK)

    line = Order.objects.get().lines.get()
    assert line.unit_net == Decimal("90.00")
    assert "discount SHARE10: 10% off" in line.description
    assert line.gross == Decimal("216.00")
    code.refresh_from_db()
    assert code.times_used == 1


def test_unknown_discount_code_is_an_error(signed_in, standard):
    response = signed_in.post(BOOK, {f"places_{standard.pk}": "1", "discount_code": "nope"})

    page = _text(response)
    assert "<title>Error:" in page
    assert '<a href="#id_discount_code">“NOPE” is not a discount code for this event.</a>' in page
    assert signed_in.get(DELEGATES).url == BOOK


def test_discount_code_for_another_event_is_an_error(signed_in, standard):
    DiscountCode.objects.create(code="OTHER", value=Decimal("10"), event=EventFactory())

    response = signed_in.post(BOOK, {f"places_{standard.pk}": "1", "discount_code": "OTHER"})

    assert "is not a discount code for this event" in _text(response)


def test_full_discount_makes_the_booking_free(signed_in, event, standard):
    DiscountCode.objects.create(code="SPEAKER", value=Decimal("100"), event=event)

    page = _text(_reach_check(signed_in, standard, places=1, discount_code="SPEAKER"))

    assert "Your places are free" in page
    signed_in.post(CHECK)
    assert Order.objects.get().payment_method == Order.PaymentMethod.FREE


# --- who may see what -------------------------------------------------------------


def test_anonymous_booker_is_sent_to_sign_in(client, standard):
    for path in (BOOK, DELEGATES, PAYMENT, CHECK):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url == f"/accounts/login/?next={path}"


def test_another_persons_confirmation_page_is_404(signed_in, client, standard):
    _reach_check(signed_in, standard, places=1)
    done = signed_in.post(CHECK).url
    assert signed_in.get(done).status_code == 200

    client.force_login(UserFactory())
    assert client.get(done).status_code == 404
    assert client.get("/events/share-digital/book/done/NOSUCHREF/").status_code == 404


def test_confirmation_page_belongs_to_its_event(signed_in, standard):
    _reach_check(signed_in, standard, places=1)
    signed_in.post(CHECK)
    reference = Order.objects.get().reference
    EventFactory(slug="another-event")

    assert signed_in.get(f"/events/another-event/book/done/{reference}/").status_code == 404


def test_detail_page_calls_to_book_or_join_the_waiting_list(client, event, standard):
    assert f'href="{BOOK}"' in _text(client.get("/events/share-digital/"))

    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)
    page = _text(client.get("/events/share-digital/"))

    assert f'href="{BOOK}"' not in page
    assert 'href="/events/share-digital/waiting-list/"' in page


# --- the waiting list ------------------------------------------------------------------

WAITING_LIST = "/events/share-digital/waiting-list/"


def test_waiting_list_refuses_while_places_are_left(client, standard):
    page = _text(client.get(WAITING_LIST))
    assert "There are places left" in page

    client.post(WAITING_LIST, {"name": "Ceri Jones", "email": "ceri@example.net"})

    assert not WaitingListEntry.objects.exists()


def test_anyone_can_join_the_waiting_list_of_a_full_event(client, event, standard):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)

    assert "Join the waiting list" in _text(client.get(WAITING_LIST))
    response = client.post(
        WAITING_LIST, {"name": "Ceri Jones", "email": "Ceri@Example.net"}, follow=True
    )

    entry = WaitingListEntry.objects.get()
    assert (entry.email, entry.name, entry.user, entry.position) == (
        "ceri@example.net",
        "Ceri Jones",
        None,
        1,
    )
    assert response.redirect_chain[-1][0] == "/events/share-digital/"
    assert "You’re on the waiting list for Share Digital" in _text(response)

    again = client.post(WAITING_LIST, {"name": "Ceri Jones", "email": "ceri@example.net"})
    assert "This email address is already on the waiting list." in _text(again)
    assert WaitingListEntry.objects.count() == 1


def test_waiting_list_knows_a_signed_in_user(signed_in, booker, event, standard):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)

    page = _text(signed_in.get(WAITING_LIST))
    assert 'value="rhian.pritchard@example.net"' in page
    assert "This event is fully booked" in _text(signed_in.get(BOOK))

    signed_in.post(WAITING_LIST, {"name": "Rhian Pritchard", "email": booker.email})

    assert WaitingListEntry.objects.get().user == booker


def test_waiting_list_form_errors(client, event, standard):
    event.capacity = 1
    event.save()
    RegistrationFactory(ticket_type=standard)

    response = client.post(WAITING_LIST, {"name": "", "email": "nope"})

    page = _text(response)
    assert "<title>Error: Join the waiting list" in page
    assert "Enter your full name" in page
    assert "Enter an email address in the correct format" in page
    assert not WaitingListEntry.objects.exists()


@pytest.fixture
def offered(event, standard, booker):
    """A full event whose one freed place is offered to the booker."""
    event.capacity = 2
    event.save()
    RegistrationFactory(ticket_type=standard)
    return WaitingListEntry.objects.create(
        event=event,
        email=booker.email,
        name=booker.full_name,
        user=booker,
        position=1,
        state=WaitingListEntry.State.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + datetime.timedelta(hours=48),
    )


def test_offer_link_books_the_held_place(signed_in, offered, standard):
    assert "This event is fully booked" in _text(signed_in.get(BOOK))

    page = _text(signed_in.get(f"{BOOK}?offer={offered.offer_token}"))
    assert "We’re holding a place for you until" in page
    assert f'name="places_{standard.pk}"' in page

    _reach_check(signed_in, standard, places=1)
    response = signed_in.post(CHECK)

    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.state == WaitingListEntry.State.BOOKED
    assert Registration.objects.filter(event=offered.event).count() == 2


def test_expired_offer_says_so(signed_in, offered):
    offered.offer_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    offered.save()

    page = _text(signed_in.get(f"{BOOK}?offer={offered.offer_token}"))

    assert "That waiting-list offer has expired." in page
    assert "No place is being held for you." in page


def test_unknown_offer_says_so(signed_in, standard):
    page = _text(signed_in.get(f"{BOOK}?offer=not-a-token"))

    assert "That waiting-list offer is not open." in page
    assert f'name="places_{standard.pk}"' in page
