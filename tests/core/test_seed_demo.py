import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import Organisation, User
from accounts.selectors import user_is_member

pytestmark = pytest.mark.django_db


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    assert not User.objects.exists()


def test_builds_the_demo_world_and_is_idempotent(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    first = (Organisation.objects.count(), User.objects.count(), EmailAddress.objects.count())
    call_command("seed_demo")

    assert (
        Organisation.objects.count(),
        User.objects.count(),
        EmailAddress.objects.count(),
    ) == first
    out = capsys.readouterr().out
    assert "digital-leaders-demo" in out
    for email in [
        "delegate@example.org",
        "staff@example.org",
        "finance@example.org",
        "academy@example.org",
        "admin@example.org",
    ]:
        assert email in out
        assert User.objects.get(email=email).check_password("digital-leaders-demo")
    for council in [
        "Conwy",
        "Blackpool",
        "Derby",
        "East Sussex",
        "Gloucestershire",
        "Oldham",
        "Portsmouth",
        "Staffordshire",
        "Warwickshire",
    ]:
        org = Organisation.objects.get(name__startswith=council)
        assert org.is_paying_member and org.domains.exists()
    assert Organisation.objects.filter(membership=Organisation.Membership.NON_MEMBER).exists()


def test_roles_and_pricing_of_demo_accounts(settings):
    settings.DEBUG = True
    call_command("seed_demo", password="another-password")

    assert User.objects.get(email="admin@example.org").is_superuser
    assert list(
        User.objects.get(email="finance@example.org").groups.values_list("name", flat=True)
    ) == ["Finance"]
    assert User.objects.get(email="staff@example.org").groups.filter(name="Event staff").exists()
    assert (
        User.objects.get(email="academy@example.org")
        .groups.filter(name="Programme managers")
        .exists()
    )
    assert user_is_member(user=User.objects.get(email="delegate@example.org"))
    assert not user_is_member(user=User.objects.get(email="guest@example.com"))
    assert User.objects.get(email="delegate@example.org").check_password("another-password")


def test_scale_makes_more(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    base = (Organisation.objects.count(), User.objects.count())

    call_command("seed_demo", scale=3)

    assert Organisation.objects.count() == base[0] + 2 * 9
    assert User.objects.count() == base[1] + 2 * 9 * 3
