"""The one member-pricing rule (accounts.selectors.user_membership)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser

from accounts.models import Organisation, User
from accounts.selectors import organisation_for_email, user_is_member, user_membership
from tests.accounts.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture
def conwy():
    return OrganisationFactory(
        name="Conwy County Borough Council",
        membership=Organisation.Membership.MEMBER,
        membership_expires_on=datetime.date(2027, 3, 31),
        domains=["conwy.gov.uk"],
    )


def test_verified_email_at_member_organisation_gets_member_prices(conwy):
    user = UserFactory(email="dafydd@conwy.gov.uk")

    membership = user_membership(user=user, on=TODAY)

    assert membership.is_member
    assert membership.organisation == conwy


def test_unverified_email_at_member_organisation_does_not(conwy):
    user = UserFactory(email="dafydd@conwy.gov.uk", verified=False)

    assert not user_is_member(user=user, on=TODAY)


def test_second_verified_address_counts(conwy):
    user = UserFactory(email="dafydd@gmail.com")
    assert not user_is_member(user=user, on=TODAY)

    EmailAddress.objects.create(user=user, email="dafydd@conwy.gov.uk", verified=True)

    assert user_is_member(user=user, on=TODAY)


def test_subdomain_belongs_to_organisation(conwy):
    user = UserFactory(email="dafydd@mail.conwy.gov.uk")

    assert user_membership(user=user, on=TODAY).organisation == conwy


def test_lookalike_domain_does_not_belong(conwy):
    user = UserFactory(email="dafydd@notconwy.gov.uk")

    assert not user_is_member(user=user, on=TODAY)


def test_most_specific_domain_wins(conwy):
    other = OrganisationFactory(name="Gov", domains=["gov.uk"])

    assert organisation_for_email(email="a@conwy.gov.uk") == conwy
    assert organisation_for_email(email="a@other.gov.uk") == other


def test_membership_expires_at_end_of_its_last_day(conwy):
    user = UserFactory(email="dafydd@conwy.gov.uk")

    assert user_is_member(user=user, on=datetime.date(2027, 3, 31))
    assert not user_is_member(user=user, on=datetime.date(2027, 4, 1))


def test_open_ended_and_corporate_membership_count():
    OrganisationFactory(
        name="Leeds Teaching Hospitals NHS Trust",
        kind=Organisation.Kind.NHS,
        membership=Organisation.Membership.CORPORATE_MEMBER,
        membership_expires_on=None,
        domains=["leedsth.nhs.uk"],
    )

    assert user_is_member(user=UserFactory(email="a@leedsth.nhs.uk"), on=TODAY)


def test_non_member_organisation_does_not_count():
    OrganisationFactory(
        name="Kent County Council",
        membership=Organisation.Membership.NON_MEMBER,
        domains=["kent.gov.uk"],
    )

    assert not user_is_member(user=UserFactory(email="a@kent.gov.uk"), on=TODAY)


def test_staff_override_grants_member_prices():
    user = UserFactory(email="a@example.com", member_override=User.MemberOverride.MEMBER)

    membership = user_membership(user=user, on=TODAY)

    assert membership.is_member
    assert "staff" in membership.reason


def test_staff_override_withdraws_member_prices(conwy):
    user = UserFactory(email="dafydd@conwy.gov.uk", member_override=User.MemberOverride.NON_MEMBER)

    assert not user_is_member(user=user, on=TODAY)


def test_anonymous_visitor_is_not_a_member():
    assert not user_is_member(user=AnonymousUser())
