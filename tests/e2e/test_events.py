"""Browsing events in a real browser; every page passes axe."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from events.models import Event, TicketType
from tests.e2e.conftest import axe_violations
from tests.events.factories import (
    EventFactory,
    SessionFactory,
    SpeakerFactory,
    TicketTypeFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def events():
    conference = EventFactory(title="Share Digital", slug="share-digital", capacity=250)
    TicketTypeFactory(
        event=conference,
        name="Member",
        audience=TicketType.Audience.MEMBER,
        price_net=Decimal("195"),
    )
    TicketTypeFactory(
        event=conference,
        name="Non-member",
        audience=TicketType.Audience.NON_MEMBER,
        price_net=Decimal("345"),
    )
    session = SessionFactory(event=conference, title="Digital inclusion in rural Wales")
    session.speakers.add(SpeakerFactory(name="Eira Hughes"))
    webinar = EventFactory(
        title="Policy briefing", slug="policy-briefing", format=Event.Format.ONLINE, venue=None
    )
    TicketTypeFactory(event=webinar, name="Free place", price_net=Decimal("0"))
    EventFactory(
        title="Share Digital 2019",
        slug="share-digital-2019",
        starts_at=timezone.now() - datetime.timedelta(days=400),
        ends_at=timezone.now() - datetime.timedelta(days=400) + datetime.timedelta(hours=8),
    )
    EventFactory(title="Cancelled meeting", slug="cancelled", status=Event.Status.CANCELLED)
    return conference


@pytest.mark.parametrize(
    "path",
    [
        "/events/",
        "/events/?month=June&format=hologram",
        "/events/past/",
        "/events/share-digital/",
        "/events/cancelled/",
    ],
)
def test_event_pages_pass_axe(page, events, path):
    page.goto(path)

    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_visitor_filters_and_opens_an_event(page, events):
    page.goto("/events/")
    page.get_by_label("Online").check()
    page.get_by_role("button", name="Apply filters").click()

    assert page.get_by_role("link", name="Policy briefing").is_visible()
    assert page.get_by_role("link", name="Share Digital", exact=True).count() == 0

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="Share Digital", exact=True).click()

    assert page.get_by_role("heading", level=1).inner_text() == "Share Digital"
    assert page.get_by_text("Digital inclusion in rural Wales").is_visible()
    assert page.get_by_text("£234.00 including VAT at 20%").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download calendar file").click()
    assert download.value.suggested_filename == "share-digital.ics"


def test_phone_sized_screen_has_no_axe_violations(browser, live_server, events):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto("/events/share-digital/")
        assert axe_violations(page) == []
    finally:
        context.close()
