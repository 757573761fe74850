"""The staff roles and what each may do in the admin."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Organisation
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _staff(role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_migrate_creates_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


def test_finance_can_change_organisations(client):
    org = OrganisationFactory(name="Oldham Council")
    client.force_login(_staff(roles.FINANCE))

    response = client.post(
        f"/admin/accounts/organisation/{org.pk}/change/",
        {
            "name": "Oldham Council",
            "kind": "council",
            "membership": "corporate_member",
            "membership_expires_on": "",
            "domains-TOTAL_FORMS": "0",
            "domains-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.membership == Organisation.Membership.CORPORATE_MEMBER


@pytest.mark.parametrize("role", [roles.EVENT_STAFF, roles.PROGRAMME_MANAGERS])
def test_other_roles_see_but_do_not_change_organisations(client, role):
    org = OrganisationFactory(name="Oldham Council")
    client.force_login(_staff(role))

    assert client.get("/admin/accounts/organisation/").status_code == 200
    response = client.post(
        f"/admin/accounts/organisation/{org.pk}/change/",
        {"name": "Renamed", "kind": "council", "membership": "member"},
    )
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Oldham Council"


def test_no_role_can_grant_itself_more(client):
    user = _staff(roles.EVENT_STAFF)
    client.force_login(user)

    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert not user.has_perm("accounts.change_user")


def test_delegate_without_staff_status_cannot_enter_admin(client):
    client.force_login(UserFactory())

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_superuser_is_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    assert client.get("/admin/auth/group/").status_code == 200
    assert roles.user_has_role(admin, roles.FINANCE)


def test_sync_is_additive_and_idempotent():
    from django.contrib.auth.models import Permission

    finance = Group.objects.get(name=roles.FINANCE)
    extra = Permission.objects.get(codename="view_group")
    finance.permissions.add(extra)
    before = set(finance.permissions.all())

    roles.roles_sync()
    roles.roles_sync()

    assert set(finance.permissions.all()) == before


def test_staff_see_the_admin_link_in_the_header(client):
    client.force_login(_staff(roles.EVENT_STAFF))
    assert "Site admin" in client.get("/").content.decode()

    client.force_login(UserFactory())
    assert "Site admin" not in client.get("/").content.decode()
