"""My bookings in a real browser: a delegate finds the ticket; every page passes axe."""

import datetime

import pytest
from django.utils import timezone

from events.models import Event
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def place():
    """Gareth's confirmed place at an online event, booked by Rhian."""
    starts = timezone.now() + datetime.timedelta(days=30)
    event = EventFactory(
        title="Share Digital",
        slug="share-digital",
        format=Event.Format.HYBRID,
        online_link="https://meet.example/share-digital",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
    )
    booker = UserFactory(email="rhian@conwy.gov.uk", password=PASSWORD)
    order = OrderFactory(booker=booker, booker_name="Rhian Pritchard", booker_email=booker.email)
    UserFactory(email="gareth.evans@conwy.gov.uk", password=PASSWORD)
    return RegistrationFactory(
        ticket_type=TicketTypeFactory(event=event, name="Member"),
        order=order,
        first_name="Gareth",
        last_name="Evans",
        email="gareth.evans@conwy.gov.uk",
    )


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_delegate_finds_their_ticket_with_its_qr_code(page, place):
    _sign_in(page, "gareth.evans@conwy.gov.uk")

    page.get_by_role("link", name="My bookings").click()
    assert page.get_by_role("heading", level=1).inner_text() == "My bookings"
    assert axe_violations(page) == []

    page.get_by_role("link", name="View ticket for Gareth Evans").click()
    qr = page.get_by_role("img", name="QR code for Gareth Evans’s ticket")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] >= 100
    assert page.get_by_text(place.order.reference).first.is_visible()
    assert page.get_by_role("link", name="https://meet.example/share-digital").is_visible()
    assert axe_violations(page) == []


def test_change_pages_pass_axe(page, place):
    _sign_in(page, "rhian@conwy.gov.uk")
    page.goto(f"/my-bookings/places/{place.pk}/")

    page.get_by_role("link", name="Cancel this place").click()
    assert page.get_by_role("button", name="Yes, cancel this place").is_visible()
    assert axe_violations(page) == []

    page.goto(f"/my-bookings/places/{place.pk}/transfer/")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error:")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Enter your colleague’s first name").click()
    assert page.evaluate("document.activeElement.id") == "id_first_name"

    page.goto(f"/my-bookings/places/{place.pk}/needs/")
    assert axe_violations(page) == []


def test_calendar_page_passes_axe_before_and_after_creating_the_address(page, place):
    _sign_in(page, "gareth.evans@conwy.gov.uk")
    page.goto("/my-bookings/calendar/")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Create my calendar address").click()

    address = page.get_by_label("Your calendar address")
    assert "/calendar/" in address.input_value()
    assert axe_violations(page) == []
    # The address is on SITE_URL; fetch its path from the test server.
    response = page.request.get("/calendar/" + address.input_value().split("/calendar/", 1)[1])
    assert response.ok
    assert "Share Digital" in response.text()
