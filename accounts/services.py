"""Every write to people and organisations."""

from django.db import transaction

from accounts.models import CalendarFeedToken, Organisation, User, new_calendar_token
from accounts.selectors import organisation_for_email


def user_profile_update(
    *,
    user: User,
    full_name: str,
    job_title: str,
    organisation: Organisation | None,
    phone: str = "",
) -> User:
    """Save the details a person keeps about themselves."""
    user.full_name = full_name.strip()
    user.job_title = job_title.strip()
    user.organisation = organisation
    user.phone = phone.strip()
    user.save(update_fields=["full_name", "job_title", "organisation", "phone"])
    return user


def user_signup_complete(*, user: User, full_name: str, job_title: str) -> User:
    """Fill a new account's profile, linking the organisation its email belongs to."""
    user.full_name = full_name.strip()
    user.job_title = job_title.strip()
    if user.organisation_id is None:
        user.organisation = organisation_for_email(email=user.email)
    user.save()
    return user


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    membership: str = Organisation.Membership.NON_MEMBER,
    membership_expires_on=None,
    domains: list[str] = (),
) -> Organisation:
    """Create an organisation with its email domains."""
    organisation = Organisation.objects.create(
        name=name,
        kind=kind,
        membership=membership,
        membership_expires_on=membership_expires_on,
    )
    for domain in domains:
        organisation.domains.create(domain=domain)
    return organisation


# --- Private calendar feed address ---------------------------------------------------


def calendar_token_create(*, user: User) -> CalendarFeedToken:
    """Give the user a private calendar feed address, keeping the one they have."""
    token, _ = CalendarFeedToken.objects.get_or_create(user=user)
    return token


def calendar_token_regenerate(*, user: User) -> CalendarFeedToken:
    """Give the user a new feed address; the old one stops working at once."""
    token, created = CalendarFeedToken.objects.get_or_create(user=user)
    if not created:
        token.token = new_calendar_token()
        token.save(update_fields=["token", "created_at"])
    return token


def calendar_token_revoke(*, user: User) -> None:
    """Turn the user's feed off: the address stops working until they create a new one."""
    CalendarFeedToken.objects.filter(user=user).delete()
