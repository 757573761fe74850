"""The page shell: home, header links, messages and error pages."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("deliberate")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom)]
handler500 = "core.views.server_error"


def test_home_reads_well_with_nothing_to_show(client):
    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'href="#main-content"' in content
    assert "Sign in" in content
    assert "crown" not in content.lower()


def test_header_changes_when_signed_in(client):
    client.force_login(UserFactory(full_name="Dafydd Jones"))

    content = client.get("/").content.decode()

    assert "Sign out" in content
    assert "Your account" in content
    assert "Create an account" not in content


def test_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_500_page_and_api_500():
    client = Client(raise_request_exception=False)

    page = client.get("/boom/")
    api = client.get("/api/boom/")

    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.content.decode()
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"


def test_403_page(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/admin/auth/group/")

    assert response.status_code == 403
    assert "permission" in response.content.decode().lower()


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/events/", "Events"),
        ("/events/past/", "Events"),
        ("/events/staff/", "Event desk"),
        ("/events/{slug}/staff/attendees/", "Event desk"),
        ("/events/{slug}/", "Events"),
    ],
)
def test_exactly_one_header_link_is_current(client, path, current):
    import re

    from django.contrib.auth.models import Group

    from tests.events.factories import EventFactory

    event = EventFactory()
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Event staff"))
    client.force_login(staff)

    content = client.get(path.format(slug=event.slug)).content.decode()

    active = re.findall(r'govuk-service-navigation__active-fallback">([^<]+)<', content)
    assert active == [current]
