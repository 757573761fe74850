"""Badge batches and single badges, through HTTP as event staff meet them."""

import datetime
import io
import json

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from badges.models import BadgeBatch
from badges.services import batch_create, batch_render
from events.models import Registration
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory
from tests.payments.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(email="gwen@digital-leaders.example", full_name="Gwen Morgan")
    user.groups.add(Group.objects.get(name=roles.EVENT_STAFF))
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def event():
    return EventFactory(title="Share Digital", slug="share-digital")


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard")


@pytest.fixture
def speaker(event):
    return TicketTypeFactory(event=event, name="Speaker")


@pytest.fixture
def places(standard, speaker):
    order = OrderFactory()
    people = [
        ("Siân", "Llŷr", "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy"),
        ("Aoife", "Ní Mhaolchatha", "Derby City Council"),
        ("Øyvind", "Hansen", "Blackpool Council"),
        ("Gwenllian", "Prys-Roberts", ""),
    ]
    return [
        RegistrationFactory(
            ticket_type=speaker if n == 0 else standard,
            order=order,
            first_name=first,
            last_name=last,
            organisation=organisation,
            job_title="Head of Digital",
        )
        for n, (first, last, organisation) in enumerate(people)
    ]


def badges_url(event):
    return reverse("badges:event_badges", args=[event.slug])


def batch_url(name, batch):
    return reverse(f"badges:{name}", args=[batch.event.slug, batch.pk])


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content) if response.streaming else response.content


def start_batch(client, event, captured, **data):
    form = {"layout": "a4-8", "sort_by": "surname", **data}
    with captured(execute=True):
        response = client.post(badges_url(event), form)
    return response


# --- Who may see and do what ------------------------------------------------------


def _all_urls(event, place, batch):
    return [
        badges_url(event),
        batch_url("batch", batch),
        batch_url("batch_status", batch),
        batch_url("batch_pdf", batch),
        reverse("badges:badge_pdf", args=[place.pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, event, places, staff):
    batch = BadgeBatch.objects.create(event=event, total=1, created_by=staff)

    for url in _all_urls(event, places[0], batch):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_delegates_are_refused_and_nothing_is_printed(client, event, places, staff):
    batch = BadgeBatch.objects.create(event=event, total=1, created_by=staff)
    client.force_login(UserFactory())

    for url in _all_urls(event, places[0], batch):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(badges_url(event), {"layout": "a6", "sort_by": "surname"}).status_code == 403
    )
    assert BadgeBatch.objects.count() == 1
    assert not Registration.objects.filter(badge_printed_at__isnull=False).exists()


def test_event_staff_are_given_the_admin_view_of_batches():
    group = Group.objects.get(name=roles.EVENT_STAFF)

    assert group.permissions.filter(codename="view_badgebatch").exists()


def test_the_event_desk_links_to_the_badge_page(staff_client, event):
    response = staff_client.get(reverse("events:staff_event", args=[event.slug]))

    assert badges_url(event) in response.content.decode()


# --- A batch, start to finish ---------------------------------------------------------


def test_a_batch_renders_in_the_background_and_downloads_as_one_pdf(
    staff_client, staff, event, places, django_capture_on_commit_callbacks
):
    page = staff_client.get(badges_url(event))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Print badges" in html and "A4 sheet of 8 badges, with cut marks" in html

    response = start_batch(staff_client, event, django_capture_on_commit_callbacks)

    batch = BadgeBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch_url("batch", batch)
    assert batch.state == BadgeBatch.State.DONE
    assert (batch.done_count, batch.total) == (4, 4)
    assert batch.created_by == staff
    assert batch.started_at and batch.finished_at

    status = staff_client.get(batch_url("batch_status", batch)).json()
    assert status["state"] == "done"
    assert (status["done"], status["total"]) == (4, 4)
    assert status["finished"] is True
    assert status["download_url"] == batch_url("batch_pdf", batch)

    detail = staff_client.get(batch_url("batch", batch)).content.decode()
    assert "4 badges ready to download." in detail
    assert batch_url("batch_pdf", batch) in detail
    assert 'role="status"' in detail

    pages, text = pdf_text(download(staff_client, batch_url("batch_pdf", batch)))
    assert pages == 1  # 4 badges on one sheet of 8
    for place in places:
        assert place.first_name in text
    # Sorted by surname: Hansen, Llŷr, Ní Mhaolchatha, Prys-Roberts.
    order = [text.index(name) for name in ("Øyvind", "Siân", "Aoife", "Gwenllian")]
    assert order == sorted(order)

    printed = Registration.objects.filter(badge_printed_at__isnull=False)
    assert set(printed.values_list("pk", flat=True)) == {p.pk for p in places}
    assert len({p.badge_printed_at for p in printed}) == 1


def test_only_badges_not_printed_yet_then_selects_none(
    staff_client, event, places, django_capture_on_commit_callbacks
):
    start_batch(staff_client, event, django_capture_on_commit_callbacks)

    response = start_batch(
        staff_client, event, django_capture_on_commit_callbacks, not_printed="on"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert "No confirmed places match these choices." in html
    assert BadgeBatch.objects.count() == 1


def test_a_late_booking_is_printed_by_itself_with_not_yet_printed(
    staff_client, event, places, standard, django_capture_on_commit_callbacks
):
    start_batch(staff_client, event, django_capture_on_commit_callbacks)
    late = RegistrationFactory(ticket_type=standard, first_name="Rhodri", last_name="Williams")

    start_batch(
        staff_client, event, django_capture_on_commit_callbacks, layout="a6", not_printed="on"
    )

    batch = BadgeBatch.objects.latest("pk")
    assert batch.state == BadgeBatch.State.DONE and batch.total == 1
    pages, text = pdf_text(download(staff_client, batch_url("batch_pdf", batch)))
    assert pages == 1 and "Rhodri Williams" in text and "Siân" not in text
    late.refresh_from_db()
    assert late.badge_printed_at is not None


def test_filters_by_ticket_type_booked_since_and_orders_by_organisation(
    staff_client, event, places, speaker, standard, django_capture_on_commit_callbacks
):
    start_batch(
        staff_client,
        event,
        django_capture_on_commit_callbacks,
        layout="cr80",
        ticket_type=speaker.pk,
    )
    speakers = BadgeBatch.objects.latest("pk")
    pages, text = pdf_text(download(staff_client, batch_url("batch_pdf", speakers)))
    assert (speakers.total, pages) == (1, 1) and "Siân Llŷr" in text

    Registration.objects.filter(pk=places[1].pk).update(
        created_at=timezone.now() + datetime.timedelta(hours=2)
    )
    since = timezone.localtime() + datetime.timedelta(hours=1)
    start_batch(
        staff_client,
        event,
        django_capture_on_commit_callbacks,
        booked_since=since.strftime("%Y-%m-%dT%H:%M"),
    )
    late = BadgeBatch.objects.latest("pk")
    assert late.total == 1
    assert "Aoife" in pdf_text(download(staff_client, batch_url("batch_pdf", late)))[1]

    start_batch(
        staff_client,
        event,
        django_capture_on_commit_callbacks,
        layout="a6",
        sort_by="organisation",
    )
    by_organisation = BadgeBatch.objects.latest("pk")
    reader = pypdf.PdfReader(
        io.BytesIO(download(staff_client, batch_url("batch_pdf", by_organisation)))
    )
    firsts = [page.extract_text().split()[0] for page in reader.pages]
    # Blackpool, Conwy, Derby, then the place with no organisation.
    assert firsts == ["Øyvind", "Siân", "Aoife", "Gwenllian"]


def test_cancelled_and_unpaid_card_places_get_no_badge(
    staff_client, event, places, standard, django_capture_on_commit_callbacks
):
    RegistrationFactory(ticket_type=standard, first_name="Cancelled", state="cancelled")
    RegistrationFactory(ticket_type=standard, first_name="Pending", state="pending")

    start_batch(staff_client, event, django_capture_on_commit_callbacks)

    batch = BadgeBatch.objects.get()
    assert batch.total == 4
    text = pdf_text(download(staff_client, batch_url("batch_pdf", batch)))[1]
    assert "Cancelled" not in text and "Pending" not in text


def test_bad_input_shows_the_error_summary_and_changes_nothing(
    staff_client, event, places, django_capture_on_commit_callbacks
):
    other = TicketTypeFactory(name="Elsewhere")

    response = start_batch(
        staff_client,
        event,
        django_capture_on_commit_callbacks,
        layout="a3",
        ticket_type=other.pk,
        booked_since="next tuesday",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "There is a problem" in html
    assert 'href="#id_layout_0">Select a layout' in html
    assert "Select a ticket type from the list" in html
    assert "Enter a real date and time" in html
    assert not BadgeBatch.objects.exists()


def test_a_batch_page_shows_progress_before_the_task_has_run(staff_client, staff, event, places):
    # Outside the on-commit capture the task is never queued: the batch waits.
    batch = batch_create(event=event, layout="a6", created_by=staff)
    BadgeBatch.objects.filter(pk=batch.pk).update(state="rendering", done_count=1)

    html = staff_client.get(batch_url("batch", batch)).content.decode()

    assert "1 of 4 badges rendered." in html
    BadgeBatch.objects.filter(pk=batch.pk).update(done_count=4)
    status = staff_client.get(batch_url("batch_status", batch)).json()
    assert status["message"] == "All 4 badges laid out. Writing the PDF."
    assert status["finished"] is False
    assert "Refresh this page" in html
    assert "data-batch-status-url" in html
    assert staff_client.get(batch_url("batch_pdf", batch)).status_code == 404
    status = staff_client.get(batch_url("batch_status", batch))
    assert "no-cache" in status["Cache-Control"]
    assert json.loads(status.content)["download_url"] is None


def test_a_batch_is_rendered_once_however_often_its_task_runs(staff, event, places):
    batch = batch_create(event=event, layout="a6", created_by=staff)

    first = batch_render(batch_id=batch.pk)
    again = batch_render(batch_id=batch.pk)

    assert first.state == BadgeBatch.State.DONE
    assert again is None


def test_a_batch_that_fails_says_so(staff_client, staff, event, places, monkeypatch):
    batch = batch_create(event=event, layout="a6", created_by=staff)

    def broken(**kwargs):
        raise RuntimeError("pango fell over")

    monkeypatch.setattr("badges.services.render_badges_pdf", broken)
    failed = batch_render(batch_id=batch.pk)

    assert failed.state == BadgeBatch.State.FAILED
    assert "Something went wrong while rendering (RuntimeError)" in failed.error
    assert not failed.pdf
    assert not Registration.objects.filter(badge_printed_at__isnull=False).exists()
    html = staff_client.get(batch_url("batch", failed)).content.decode()
    assert "govuk-tag--red" in html and "Start the batch again" in html
    assert staff_client.get(batch_url("batch_pdf", failed)).status_code == 404


def test_a_batch_whose_places_went_before_it_ran_fails_with_the_reason(staff, event, places):
    batch = batch_create(event=event, layout="a6", created_by=staff)
    Registration.objects.update(state=Registration.State.CANCELLED)

    failed = batch_render(batch_id=batch.pk)

    assert failed.state == BadgeBatch.State.FAILED
    assert "No confirmed places matched" in failed.error


def test_another_events_batch_is_not_found(staff_client, staff, event, places):
    batch = batch_create(event=event, layout="a6", created_by=staff)
    other = EventFactory()

    url = reverse("badges:batch", args=[other.slug, batch.pk])
    assert staff_client.get(url).status_code == 404
    assert (
        staff_client.get(reverse("badges:event_badges", args=["no-such-event"])).status_code == 404
    )


def test_the_badge_page_lists_the_events_batches(staff_client, staff, event, places):
    batch = batch_create(event=event, layout="cr80", created_by=staff)

    html = staff_client.get(badges_url(event)).content.decode()

    assert batch_url("batch", batch) in html
    assert "CR80 card" in html
    assert "Waiting to start" in html
    assert "by Gwen Morgan" in html


# --- One badge on demand ----------------------------------------------------------


def test_one_badge_prints_at_once_and_is_marked_printed(staff_client, places):
    place = places[0]

    content = download(staff_client, reverse("badges:badge_pdf", args=[place.pk]) + "?layout=a6")

    pages, text = pdf_text(content)
    assert pages == 1
    assert "Siân Llŷr" in text and "Speaker" in text
    place.refresh_from_db()
    assert place.badge_printed_at is not None


def test_a_printed_badge_can_be_reprinted(staff_client, places):
    place = places[1]
    earlier = timezone.now() - datetime.timedelta(hours=3)
    Registration.objects.filter(pk=place.pk).update(badge_printed_at=earlier)

    url = reverse("badges:badge_pdf", args=[place.pk])
    for layout in ("", "?layout=cr80", "?layout=a4-8"):
        pages, text = pdf_text(download(staff_client, url + layout))
        assert pages == 1 and "Aoife Ní Mhaolchatha" in text

    place.refresh_from_db()
    assert place.badge_printed_at > earlier


def test_one_badge_refuses_an_unknown_layout_and_a_place_without_a_badge(
    staff_client, standard, places
):
    assert (
        staff_client.get(
            reverse("badges:badge_pdf", args=[places[0].pk]) + "?layout=a3"
        ).status_code
        == 400
    )
    pending = RegistrationFactory(ticket_type=standard, state=Registration.State.PENDING)
    assert staff_client.get(reverse("badges:badge_pdf", args=[pending.pk])).status_code == 404
    assert staff_client.get(reverse("badges:badge_pdf", args=[999999])).status_code == 404
    assert not Registration.objects.filter(badge_printed_at__isnull=False).exists()
