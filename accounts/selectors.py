"""Reads about people and organisations that other apps share."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Organisation, OrganisationDomain, User


@dataclass(frozen=True)
class Membership:
    """Whether a person gets member prices, and why."""

    is_member: bool
    organisation: Organisation | None = None
    reason: str = ""


def _domain_candidates(email: str) -> list[str]:
    """Return the email's domain and each parent domain: a.b.gov.uk, b.gov.uk, ..."""
    domain = email.rpartition("@")[2].strip().lower()
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] if domain else []


def organisation_for_email(*, email: str) -> Organisation | None:
    """Return the organisation that owns the email's domain (or a parent domain)."""
    candidates = _domain_candidates(email)
    if not candidates:
        return None
    found = {
        d.domain: d.organisation
        for d in OrganisationDomain.objects.select_related("organisation").filter(
            domain__in=candidates
        )
    }
    # The most specific domain wins: council.gov.uk over gov.uk.
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    return None


def user_membership(*, user, on=None) -> Membership:
    """Decide whether the user gets member prices.

    The one rule every price in the service follows: a staff override on the
    user wins; otherwise the user is a member when one of their *verified*
    email addresses belongs to an organisation whose membership is current
    on the given day (today by default). Unverified addresses never count.
    """
    if user is None or not user.is_authenticated:
        return Membership(is_member=False, reason="Not signed in.")
    if user.member_override == User.MemberOverride.MEMBER:
        return Membership(is_member=True, reason="Member prices granted by staff.")
    if user.member_override == User.MemberOverride.NON_MEMBER:
        return Membership(is_member=False, reason="Member prices withdrawn by staff.")

    day = on or timezone.localdate()
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    for email in verified:
        organisation = organisation_for_email(email=email)
        if organisation is not None and organisation.membership_current_on(day):
            return Membership(
                is_member=True,
                organisation=organisation,
                reason=f"{email} belongs to {organisation.name}, a member.",
            )
    return Membership(is_member=False, reason="No verified email at a member organisation.")


def user_is_member(*, user, on=None) -> bool:
    return user_membership(user=user, on=on).is_member


def organisation_list(*, search: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.prefetch_related(
        Prefetch("domains", queryset=OrganisationDomain.objects.order_by("domain"))
    )
    if search:
        qs = qs.filter(name__icontains=search)
    return qs
