"""Demo organisations and people, from the network's public material."""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation, OrganisationDomain, User

Kind = Organisation.Kind
Membership = Organisation.Membership

MEMBER_COUNCILS = [
    ("Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy", "conwy.gov.uk"),
    ("Blackpool Council", "blackpool.gov.uk"),
    ("Derby City Council", "derby.gov.uk"),
    ("East Sussex County Council", "eastsussex.gov.uk"),
    ("Gloucestershire County Council", "gloucestershire.gov.uk"),
    ("Oldham Council", "oldham.gov.uk"),
    ("Portsmouth City Council", "portsmouthcc.gov.uk"),
    ("Staffordshire County Council", "staffordshire.gov.uk"),
    ("Warwickshire County Council", "warwickshire.gov.uk"),
]

OTHER_ORGANISATIONS = [
    # name, type, membership, expires (days from today, None: open-ended), domain
    ("Demo Borough Council", Kind.COUNCIL, Membership.MEMBER, None, "example.org"),
    (
        "Leeds Teaching Hospitals NHS Trust",
        Kind.NHS,
        Membership.CORPORATE_MEMBER,
        200,
        "leedsth.nhs.uk",
    ),
    ("Kent County Council", Kind.COUNCIL, Membership.NON_MEMBER, None, "kent.gov.uk"),
    (
        "Northamptonshire County Council",
        Kind.COUNCIL,
        Membership.MEMBER,
        -400,
        "northamptonshire.gov.uk",
    ),
    (
        "Department for Science, Innovation and Technology",
        Kind.CENTRAL_GOVERNMENT,
        Membership.NON_MEMBER,
        None,
        "dsit.gov.uk",
    ),
    (
        "Local Government Association",
        Kind.OTHER_PUBLIC_BODY,
        Membership.CORPORATE_MEMBER,
        None,
        "local.gov.uk",
    ),
    ("Example Digital Ltd", Kind.SUPPLIER, Membership.NON_MEMBER, None, "example.com"),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    role: str
    group: str | None = None
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        "delegate@example.org",
        "Dafydd Llewellyn-Jones",
        "Head of Digital",
        "Delegate and booker (member prices)",
    ),
    DemoAccount(
        "guest@example.com",
        "Siobhán O'Connor",
        "Delivery Manager",
        "Delegate at a supplier (non-member prices)",
    ),
    DemoAccount(
        "staff@example.org",
        "Priya Raman",
        "Events Coordinator",
        "Event staff",
        group=roles.EVENT_STAFF,
    ),
    DemoAccount(
        "finance@example.org", "Tom Okafor", "Finance Officer", "Finance", group=roles.FINANCE
    ),
    DemoAccount(
        "academy@example.org",
        "Helen Ashworth",
        "Academy Programme Manager",
        "Programme managers",
        group=roles.PROGRAMME_MANAGERS,
    ),
    DemoAccount(
        "admin@example.org", "Admin User", "Administrator", "Admin (superuser)", superuser=True
    ),
]


def _organisation(name, kind, membership, expires_on, domain) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(
        name=name,
        defaults={"kind": kind, "membership": membership, "membership_expires_on": expires_on},
    )
    OrganisationDomain.objects.update_or_create(
        domain=domain, defaults={"organisation": organisation}
    )
    return organisation


def _user(*, email, full_name, job_title, organisation, password_hash) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "job_title": job_title,
            "organisation": organisation,
            "password": password_hash,
        },
    )
    if not created:
        user.password = password_hash
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(*, password: str, scale: int) -> str:
    today = timezone.localdate()
    year_end = datetime.date(today.year + 1, 3, 31)
    for name, domain in MEMBER_COUNCILS:
        _organisation(name, Kind.COUNCIL, Membership.MEMBER, year_end, domain)
    for name, kind, membership, expires_in, domain in OTHER_ORGANISATIONS:
        expires_on = None if expires_in is None else today + datetime.timedelta(days=expires_in)
        _organisation(name, kind, membership, expires_on, domain)

    # One hash for every demo account: hashing is deliberately slow.
    password_hash = make_password(password)
    for account in DEMO_ACCOUNTS:
        organisation = Organisation.objects.filter(domains__domain=account.email.split("@")[1])
        user = _user(
            email=account.email,
            full_name=account.full_name,
            job_title=account.job_title,
            organisation=organisation.first(),
            password_hash=password_hash,
        )
        if account.group:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get(name=account.group))
        if account.superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])

    # --scale N: N-1 more copies of the member councils and their delegates.
    for copy in range(2, scale + 1):
        for name, domain in MEMBER_COUNCILS:
            organisation = _organisation(
                f"{name} ({copy})",
                Kind.COUNCIL,
                Membership.MEMBER,
                year_end,
                f"copy{copy}.{domain}",
            )
            for n in range(1, 4):
                _user(
                    email=f"delegate{n}@copy{copy}.{domain}",
                    full_name=f"Delegate {n} of {organisation.name}",
                    job_title="Digital Programme Lead",
                    organisation=organisation,
                    password_hash=password_hash,
                )
    return f"{Organisation.objects.count()} organisations, {User.objects.count()} people"


def describe(*, password: str) -> str:
    width = max(len(a.email) for a in DEMO_ACCOUNTS)
    lines = [f"Demo accounts (password: {password})"]
    lines += [f"  {a.email.ljust(width)}  {a.role}" for a in DEMO_ACCOUNTS]
    return "\n".join(lines)
