"""Demo programmes in the spirit of the network's academy: past cohorts with
attendance and certificates, upcoming cohorts open for applications (one
nearly full, one full with a waiting list) and applications in every state.

Applications, decisions, enrolments, invoices and registers go through the
academy's and payments' services, dated in the past with their `now=`
arguments, so that orders, invoices, offers and certificates are what the
real flow would have made. seed_demo runs each seeder in one transaction, so
the services run inside it rather than in their own durable one.

Idempotent: a programme already in the database is left as it is, with its
cohorts and applications.
"""

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from academy.models import Application, Certificate, Cohort, Enrolment, Module, Programme
from academy.services.applications import (
    ApplicationDetails,
    Decision,
    application_decide,
    application_submit,
    application_withdraw,
    offers_lapse_overdue,
    sponsor_decide,
    sponsor_link_token,
)
from academy.services.attendance import register_save
from academy.services.enrolments import enrolment_create
from accounts.models import Organisation, User
from payments.models import Invoice
from payments.services import Billing
from payments.services.documents import invoice_issue_locked
from payments.services.finance import invoice_mark_paid

State = Application.State

DEMO_DELEGATE = "delegate@example.org"
DEMO_GUEST = "guest@example.com"
PROGRAMME_MANAGER = "academy@example.org"
FINANCE = "finance@example.org"

# Billing addresses of the organisations the demo applicants work for.
ORGANISATIONS = {
    "conwy.gov.uk": (
        "Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy",
        "Bodlondeb\nBangor Road\nConwy",
        "LL32 8DU",
    ),
    "blackpool.gov.uk": ("Blackpool Council", "Municipal Buildings\nBlackpool", "FY1 1GB"),
    "derby.gov.uk": ("Derby City Council", "The Council House\nCorporation Street", "DE1 2FS"),
    "eastsussex.gov.uk": ("East Sussex County Council", "County Hall\nLewes", "BN7 1UE"),
    "gloucestershire.gov.uk": (
        "Gloucestershire County Council",
        "Shire Hall\nGloucester",
        "GL1 2TG",
    ),
    "oldham.gov.uk": ("Oldham Council", "Civic Centre\nWest Street\nOldham", "OL1 1UT"),
    "portsmouthcc.gov.uk": ("Portsmouth City Council", "Civic Offices\nPortsmouth", "PO1 2AL"),
    "staffordshire.gov.uk": ("Staffordshire County Council", "1 Staffordshire Place", "ST16 2DH"),
    "warwickshire.gov.uk": ("Warwickshire County Council", "Shire Hall\nWarwick", "CV34 4RL"),
    "leedsth.nhs.uk": (
        "Leeds Teaching Hospitals NHS Trust",
        "St James's University Hospital",
        "LS9 7TF",
    ),
    "kent.gov.uk": ("Kent County Council", "Sessions House\nMaidstone", "ME14 1XQ"),
    "example.org": ("Demo Borough Council", "Town Hall\nHigh Street\nDemoton", "DE1 0AA"),
    "example.com": ("Example Digital Ltd", "1 Example Street\nLondon", "EC1A 1AA"),
}

# Applicants: name, organisation's email domain, job title.
PEOPLE = [
    ("Rhian Evans", "conwy.gov.uk", "Head of Digital Services"),
    ("Marcus Bennett", "blackpool.gov.uk", "Digital Transformation Manager"),
    ("Aisha Khan", "derby.gov.uk", "Head of Customer Services"),
    ("Tomasz Nowak", "oldham.gov.uk", "Chief Technology Officer"),
    ("Gwen Morgan", "conwy.gov.uk", "Service Design Lead"),
    ("Oluwaseun Adeyemi", "leedsth.nhs.uk", "Head of Digital Delivery"),
    ("Claire Whitfield", "eastsussex.gov.uk", "Assistant Director, Digital"),
    ("Hamish MacLeod", "staffordshire.gov.uk", "Head of IT Operations"),
    ("Niamh O'Sullivan", "warwickshire.gov.uk", "Data and Insight Manager"),
    ("Raj Mehta", "portsmouthcc.gov.uk", "Head of Technology"),
    ("Bethan Price", "gloucestershire.gov.uk", "Product Manager"),
    ("Daniel Okoro", "kent.gov.uk", "Digital Programme Manager"),
    ("Sophie Turner", "derby.gov.uk", "User Research Lead"),
    ("Iwan Roberts", "conwy.gov.uk", "Infrastructure Manager"),
    ("Fatima Hussain", "oldham.gov.uk", "Business Change Manager"),
    ("Liam Gallagher", "blackpool.gov.uk", "Delivery Manager"),
    ("Zoë Ó Briain", "leedsth.nhs.uk", "Clinical Systems Lead"),
    ("Ben Carter", "eastsussex.gov.uk", "Head of Digital Inclusion"),
    ("Anaïs Dubois", "portsmouthcc.gov.uk", "Service Owner"),
    ("Kwame Mensah", "staffordshire.gov.uk", "Enterprise Architect"),
    ("Eleanor Hughes", "gloucestershire.gov.uk", "Head of Customer Experience"),
    ("Priya Nair", "warwickshire.gov.uk", "Digital Lead, Adult Social Care"),
    ("Owen Jenkins", "kent.gov.uk", "Cyber Security Manager"),
    ("Grace Liu", "derby.gov.uk", "Data Protection and Digital Lead"),
    ("Mohammed Rahman", "oldham.gov.uk", "Head of Business Intelligence"),
    ("Catrin Jones", "conwy.gov.uk", "Digital Skills Lead"),
    ("Jack Thompson", "blackpool.gov.uk", "ICT Service Manager"),
    ("Hannah Wright", "eastsussex.gov.uk", "Content Design Lead"),
]

# Applicants to Empowering Women in Digital.
WOMEN = [
    ("Samira Haddad", "derby.gov.uk", "Digital Project Manager"),
    ("Joanna Kowalska", "eastsussex.gov.uk", "Head of Applications"),
    ("Ffion Williams", "conwy.gov.uk", "Business Analyst Lead"),
    ("Olivia Brown", "kent.gov.uk", "Digital Services Manager"),
    ("Mei Chen", "leedsth.nhs.uk", "Informatics Manager"),
    ("Aoife Ní Mhaolchatha", "warwickshire.gov.uk", "Service Design Manager"),
    ("Ruth Adebayo", "oldham.gov.uk", "Head of ICT Strategy"),
    ("Lucy Fraser", "gloucestershire.gov.uk", "Agile Delivery Lead"),
    ("Yasmin Patel", "portsmouthcc.gov.uk", "Digital Change Lead"),
    ("Chloé Martin", "gloucestershire.gov.uk", "Head of Data"),
    ("Harriet Lewis", "blackpool.gov.uk", "Head of Digital Communications"),
    ("Nadia Ahmed", "staffordshire.gov.uk", "Senior Product Manager"),
]

SPONSORS = [
    "Alison Reid",
    "David Lloyd",
    "Sarah Mitchell",
    "Gareth Davies",
    "Helen Clarke",
    "Peter Osei",
    "Karen Walsh",
    "Rob Armstrong",
]

MOTIVATIONS = [
    "We are moving our services to common platforms and I want to lead that change "
    "well, bringing colleagues with me rather than doing it to them.",
    "I have just taken on a wider digital role and want to learn from peers in other "
    "councils who have faced the same budget pressures.",
    "Our board has asked for a digital strategy that is about residents, not "
    "technology. I want the tools and the confidence to write and deliver it.",
    "I lead a small team that has grown fast. I want to become a better leader of "
    "people, not just of projects.",
]

TIMES_IN_ROLE = [choice for choice, _ in Application.TimeInRole.choices]


@dataclass(frozen=True)
class ModulePlan:
    title: str
    facilitator: str
    online: bool = False


LDT_MODULES = [
    ModulePlan("Leading change in public services", "Dr Amina Patel"),
    ModulePlan("Strategy, data and the board", "Professor Mark Ellis"),
    ModulePlan("Culture, teams and digital skills", "Dr Amina Patel"),
    ModulePlan("Delivering and measuring outcomes", "Joanne Fielding"),
]
ADL_MODULES = [
    ModulePlan("Knowing yourself as a leader", "Sian Rees"),
    ModulePlan("Working in the open", "Tunde Bakare", online=True),
    ModulePlan("Designing services with users", "Sian Rees"),
    ModulePlan("Data, evidence and decisions", "Tunde Bakare", online=True),
    ModulePlan("Making the case for change", "Sian Rees"),
]
EWD_MODULES = [
    ModulePlan("Your leadership story", "Dr Nisha Kapoor"),
    ModulePlan("Influence and negotiation", "Dr Nisha Kapoor", online=True),
    ModulePlan("Networks, mentors and sponsors", "Charlotte Reyes", online=True),
    ModulePlan("Leading with confidence", "Dr Nisha Kapoor"),
]

VENUES = {
    "manchester": ("Manchester Central Library", "St Peter's Square\nManchester\nM2 5PD"),
    "birmingham": ("The Exchange, Birmingham", "3 Centenary Square\nBirmingham\nB1 2DR"),
    "london": ("Local Government House", "18 Smith Square\nLondon\nSW1P 3HZ"),
}
ONLINE_LINK = "https://meet.example.org/academy"

DAY = datetime.timedelta(days=1)


def _service(function):
    """The service without its own durable transaction: seed_demo holds one around us."""
    return getattr(function, "__wrapped__", function)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _email(name: str, domain: str) -> str:
    local = ".".join(slugify(_ascii(part)) for part in name.split())
    return f"{local}@{domain}"


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _tuesday(day: datetime.date) -> datetime.date:
    """The Tuesday on or after the day: the academy meets on Tuesdays."""
    return day + datetime.timedelta(days=(1 - day.weekday()) % 7)


def _season(day: datetime.date) -> str:
    return {12: "Winter", 1: "Winter", 2: "Winter", 3: "Spring", 4: "Spring", 5: "Spring"}.get(
        day.month, "Summer" if day.month <= 8 else "Autumn"
    )


class _Seeder:
    """Walks demo applicants through the academy's services, at dates in the past."""

    def __init__(self, *, now: datetime.datetime):
        self.now = now
        self.programme_manager = User.objects.filter(email=PROGRAMME_MANAGER).first()
        self.finance = User.objects.filter(email=FINANCE).first()
        self.unusable_password = make_password(None)
        self.count = 0

    # --- people -------------------------------------------------------------------

    def person(self, name: str, domain: str, job_title: str) -> User:
        email = _email(name, domain)
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "job_title": job_title,
                "organisation": Organisation.objects.filter(domains__domain=domain).first(),
                "password": self.unusable_password,
            },
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def people(self, rows) -> list[User]:
        return [self.person(*row) for row in rows]

    # --- one applicant's journey --------------------------------------------------------

    def journey(
        self,
        cohort: Cohort,
        user: User,
        outcome: str,
        *,
        start: datetime.datetime,
        paid: bool = True,
        reason: str = "",
    ) -> Application:
        """Apply at `start`; the sponsor answers two days later, the programme manager after
        a week; an accepted applicant enrols (by invoice) two days after that.

        `outcome` is the application's final state, or "lapsed" for an offer left to run out.
        """
        self.count += 1
        n = self.count
        domain = user.email.split("@")[1]
        organisation = ORGANISATIONS.get(domain, (user.organisation or "", "", ""))[0]
        sponsor = SPONSORS[n % len(SPONSORS)]
        details = ApplicationDetails(
            full_name=user.full_name,
            email=user.email,
            role=user.job_title or "Digital lead",
            organisation=str(organisation),
            time_in_role=TIMES_IN_ROLE[n % len(TIMES_IN_ROLE)],
            sponsor_name=sponsor,
            sponsor_email=_email(sponsor, domain),
            motivation=MOTIVATIONS[n % len(MOTIVATIONS)],
            access_needs="Step-free access, please." if n % 7 == 0 else "",
            consent=True,
        )
        application = _service(application_submit)(
            cohort=cohort, applicant=user, details=details, now=start
        )
        if outcome == State.AWAITING_SPONSOR:
            return application
        if outcome == State.WITHDRAWN:
            return _service(application_withdraw)(
                application=application, by=user, now=start + 3 * DAY
            )
        if application.state == State.AWAITING_SPONSOR:
            supported = outcome != State.SPONSOR_DECLINED
            application = _service(sponsor_decide)(
                token=sponsor_link_token(application),
                supported=supported,
                comment=(
                    "Happy to support this: it fits our workforce plan."
                    if supported
                    else "Not this year, sorry: we have a restructure under way. "
                    "Please apply again next year."
                ),
                now=start + 2 * DAY,
            )
        if outcome in (State.SPONSOR_DECLINED, State.UNDER_REVIEW):
            return application
        decided = start + 7 * DAY
        if outcome == State.REJECTED:
            return self.decide(application, Decision.REJECT, at=decided, reason=reason)
        if outcome == State.WAITING_LIST:
            return self.decide(application, Decision.WAITING_LIST, at=decided)
        application = self.decide(application, Decision.ACCEPT, at=decided)
        if outcome in (State.ACCEPTED, "lapsed"):
            return application
        self.enrol(application, at=decided + 2 * DAY, paid=paid, po=n)
        application.refresh_from_db()
        return application

    def decide(self, application, decision, *, at, reason="") -> Application:
        return _service(application_decide)(
            application=application,
            decision=decision,
            by=self.programme_manager,
            reason=reason,
            now=at,
        )

    def enrol(self, application: Application, *, at, paid: bool, po: int) -> Enrolment:
        domain = application.email.split("@")[1]
        organisation, address, postcode = ORGANISATIONS.get(
            domain, (application.organisation, "Council Offices\nHigh Street", "AB1 2CD")
        )
        enrolment = _service(enrolment_create)(
            application=application,
            by=application.applicant,
            payment_method="invoice",
            billing=Billing(
                organisation=organisation,
                address=address,
                postcode=postcode,
                purchase_order=f"PO-{44000 + po}",
            ),
            now=at,
        )
        invoice = self.invoice(enrolment.order, at=at)
        pay_at = invoice.issued_at + 21 * DAY if invoice else None
        if invoice and paid and pay_at < self.now:
            _service(invoice_mark_paid)(
                invoice=invoice,
                amount=invoice.total_gross,
                received_on=timezone.localdate(pay_at),
                reference=f"BACS {invoice.number}",
                by=self.finance,
                now=pay_at,
            )
        return enrolment

    def invoice(self, order, *, at) -> Invoice | None:
        """Issue the order's invoice at `at`, or just after the year's latest invoice.

        Numbers run in the order invoices are issued, so dates must too.
        """
        latest = Invoice.objects.filter(year=timezone.localtime(at).year).aggregate(
            latest=Max("issued_at")
        )["latest"]
        if latest is not None and latest >= at:
            at = latest + datetime.timedelta(minutes=5)
        return invoice_issue_locked(order=order, now=at)

    def registers(self, cohort: Cohort, absences: dict[int, set[int]]) -> None:
        """Take every module's register: present, except module index -> enrolment ids."""
        enrolments = list(
            cohort.enrolments.filter(state=Enrolment.State.CONFIRMED).values_list("pk", flat=True)
        )
        for index, module in enumerate(cohort.modules.order_by("starts_at", "pk")):
            absent = absences.get(index, set())
            _service(register_save)(
                module=module,
                marks={pk: "absent" if pk in absent else "present" for pk in enrolments},
                by=self.programme_manager,
                now=module.ends_at,
            )


# --- programmes and cohorts ------------------------------------------------------------


def _cohort(
    programme: Programme,
    *,
    starts_on: datetime.date,
    place: str,
    modules: list[ModulePlan],
    weeks_apart: int,
    capacity: int,
    price_net: str,
    member_price_net: str,
    closes_days_before: int,
    delivery=Cohort.Delivery.IN_PERSON,
    name: str = "",
    status=Cohort.Status.OPEN,
) -> Cohort:
    starts_on = _tuesday(starts_on)
    days = [starts_on + datetime.timedelta(weeks=weeks_apart * i) for i in range(len(modules))]
    name = name or f"{starts_on.year} {_season(starts_on)}, {place}"
    venue, address = VENUES.get(place.lower(), ("", ""))
    cohort = Cohort.objects.create(
        programme=programme,
        name=name,
        slug=slugify(name),
        starts_on=starts_on,
        ends_on=days[-1],
        delivery=delivery,
        venue=venue,
        venue_address=address,
        capacity=capacity,
        price_net=Decimal(price_net),
        member_price_net=Decimal(member_price_net),
        vat_rate=Decimal("20.00"),
        applications_close_at=_at(starts_on - datetime.timedelta(days=closes_days_before), 17),
        status=status,
    )
    Module.objects.bulk_create(
        Module(
            cohort=cohort,
            title=plan.title,
            starts_at=_at(day, 9, 30),
            ends_at=_at(day, 16, 30),
            venue="Online" if plan.online else "",
            online_link=ONLINE_LINK + f"/{cohort.slug}-{index + 1}" if plan.online else "",
            facilitator=plan.facilitator,
        )
        for index, (plan, day) in enumerate(zip(modules, days, strict=True))
    )
    return cohort


def _close(cohort: Cohort) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.CLOSED)


def _programme(slug: str, **fields) -> tuple[Programme, bool]:
    return Programme.objects.get_or_create(slug=slug, defaults=fields)


def _leading_digital_transformation(seeder: _Seeder, *, today, now) -> None:
    programme, created = _programme(
        "leading-digital-transformation",
        title="Leading Digital Transformation",
        summary="For established digital leaders who take their whole organisation "
        "through change: strategy, culture and delivery.",
        body="Four one-day modules over six months, with peers from councils, the NHS and "
        "central government.\n\nBetween modules you work on a real change in your own "
        "organisation, with an action learning set and a mentor from the network.",
        audience="Heads of digital, chief information officers and service directors who "
        "lead change across their organisation.",
        level=Programme.Level.ESTABLISHED,
        learning_outcomes="Lead change across services, not just technology\n"
        "Build a digital strategy with your board and your residents\n"
        "Grow the culture and skills your organisation needs\n"
        "Measure what changed for the people you serve",
        duration="Six months, four modules",
        delivery_partner="Northern Business School",
        completion_rule=Programme.CompletionRule.ALL_MODULES,
        requires_sponsor=True,
        is_published=True,
        position=1,
    )
    if not created:
        return
    people = seeder.people(PEOPLE)

    # 2019 Spring, Manchester: all but one attended every module.
    spring_2019 = _cohort(
        programme,
        starts_on=datetime.date(2019, 3, 12),
        place="Manchester",
        modules=LDT_MODULES,
        weeks_apart=5,
        capacity=16,
        price_net="2200.00",
        member_price_net="1650.00",
        closes_days_before=25,
    )
    start = _at(datetime.date(2019, 1, 7), 10)
    for i, user in enumerate(people[:8]):
        seeder.journey(spring_2019, user, State.ENROLLED, start=start + i * DAY)
    missed_one = spring_2019.enrolments.order_by("pk")[5].pk
    seeder.registers(spring_2019, absences={2: {missed_one}})
    _close(spring_2019)

    # Upcoming, nearly full: 12 places, 8 enrolled and 2 offers open.
    upcoming = _cohort(
        programme,
        starts_on=today + datetime.timedelta(days=70),
        place="Manchester",
        modules=LDT_MODULES,
        weeks_apart=5,
        capacity=12,
        price_net="2400.00",
        member_price_net="1800.00",
        closes_days_before=21,
    )
    delegate = User.objects.filter(email=DEMO_DELEGATE).first()
    seeder.journey(upcoming, people[8], "lapsed", start=now - 40 * DAY)
    offers_lapse_overdue(now=now)
    for i, user in enumerate(people[9:17]):
        seeder.journey(upcoming, user, State.ENROLLED, start=now - (30 - i) * DAY, paid=i % 3 != 2)
    seeder.journey(upcoming, people[17], State.ACCEPTED, start=now - 10 * DAY)
    if delegate is not None:
        seeder.journey(upcoming, delegate, State.ACCEPTED, start=now - 9 * DAY)
    seeder.journey(
        upcoming,
        people[18],
        State.REJECTED,
        start=now - 20 * DAY,
        reason="Thank you for applying. This programme is for people who already lead a "
        "digital function; we think Aspiring Digital Leaders would suit you better, and we "
        "would welcome your application to it.",
    )
    seeder.journey(upcoming, people[19], State.SPONSOR_DECLINED, start=now - 15 * DAY)
    seeder.journey(upcoming, people[20], State.WITHDRAWN, start=now - 14 * DAY)
    for i, user in enumerate(people[21:24]):
        seeder.journey(upcoming, user, State.UNDER_REVIEW, start=now - (12 - i) * DAY)
    seeder.journey(upcoming, people[24], State.AWAITING_SPONSOR, start=now - 2 * DAY)


def _aspiring_digital_leaders(seeder: _Seeder, *, today, now) -> None:
    programme, created = _programme(
        "aspiring-digital-leaders",
        title="Aspiring Digital Leaders",
        summary="For people stepping into their first digital leadership role: five "
        "modules on leading yourself, your team and change.",
        body="Five modules over five months, two of them online. Attend at least four to "
        "complete the programme.\n\nNo sponsor's support is needed to apply, but talk to "
        "your line manager about the time you will need.",
        audience="Team leaders, product and delivery managers, and specialists moving "
        "into leadership in public sector digital, data and technology.",
        level=Programme.Level.EMERGING,
        learning_outcomes="Understand your strengths and style as a leader\n"
        "Work in the open and bring others with you\n"
        "Put users and evidence at the centre of decisions\n"
        "Make a persuasive case for change",
        duration="Five months, five modules",
        delivery_partner="Digital Leaders Academy faculty",
        completion_rule=Programme.CompletionRule.AT_LEAST,
        minimum_modules=4,
        requires_sponsor=False,
        is_published=True,
        position=2,
    )
    if not created:
        return
    people = seeder.people(PEOPLE)
    delegate = User.objects.filter(email=DEMO_DELEGATE).first()

    # Last spring, Birmingham: the demo delegate missed one module and still completed.
    last_spring = _cohort(
        programme,
        starts_on=datetime.date(today.year - 1, 3, 10),
        place="Birmingham",
        modules=ADL_MODULES,
        weeks_apart=4,
        capacity=18,
        price_net="1500.00",
        member_price_net="1100.00",
        closes_days_before=20,
    )
    start = _at(datetime.date(today.year - 1, 1, 12), 11)
    alumni = [*([delegate] if delegate else []), *people[12:18]]
    for i, user in enumerate(alumni):
        seeder.journey(last_spring, user, State.ENROLLED, start=start + i * DAY)
    enrolments = list(last_spring.enrolments.order_by("pk").values_list("pk", flat=True))
    # The first (the demo delegate) missed module 2: 4 of 5 still completes.
    # The last missed two: 3 of 5 does not.
    seeder.registers(
        last_spring,
        absences={1: {enrolments[0], enrolments[-1]}, 3: {enrolments[-1]}},
    )
    _close(last_spring)

    # Upcoming and full: 8 places, 6 enrolled and 2 offers open, 3 on the waiting list.
    full = _cohort(
        programme,
        starts_on=today + datetime.timedelta(days=45),
        place="Birmingham",
        modules=ADL_MODULES,
        weeks_apart=4,
        capacity=8,
        price_net="1600.00",
        member_price_net="1200.00",
        closes_days_before=14,
    )
    for i, user in enumerate(people[:6]):
        seeder.journey(full, user, State.ENROLLED, start=now - (35 - i) * DAY)
    for i, user in enumerate(people[6:8]):
        seeder.journey(full, user, State.ACCEPTED, start=now - (11 - i) * DAY)
    for i, user in enumerate(people[24:27]):
        seeder.journey(full, user, State.WAITING_LIST, start=now - (9 - i) * DAY)
    seeder.journey(
        full,
        people[27],
        State.REJECTED,
        start=now - 13 * DAY,
        reason="Thank you for applying. You already lead a large team, so Leading Digital "
        "Transformation would suit you better; its next cohort is open for applications.",
    )
    seeder.journey(full, people[18], State.WITHDRAWN, start=now - 12 * DAY)
    seeder.journey(full, people[19], State.UNDER_REVIEW, start=now - 3 * DAY)


def _empowering_women_in_digital(seeder: _Seeder, *, today, now) -> None:
    programme, created = _programme(
        "empowering-women-in-digital",
        title="Empowering Women in Digital",
        summary="For women in digital, data and technology roles who want to step up: "
        "confidence, influence and the networks that open doors.",
        body="Four modules, two in person in London and two online, with a mentor from "
        "the network's senior women leaders.\n\nYour sponsor supports your application "
        "and meets you and your mentor once during the programme.",
        audience="Women in public sector digital, data and technology roles who lead, or "
        "are ready to lead, teams and services.",
        level=Programme.Level.ESTABLISHED,
        learning_outcomes="Tell your leadership story with confidence\n"
        "Influence and negotiate at senior level\n"
        "Build a network of mentors and sponsors",
        duration="Four months, four modules",
        delivery_partner="Northern Business School",
        completion_rule=Programme.CompletionRule.ALL_MODULES,
        requires_sponsor=True,
        is_published=True,
        position=3,
    )
    if not created:
        return
    women = seeder.people(WOMEN)

    last_autumn = _cohort(
        programme,
        starts_on=datetime.date(today.year - 1, 9, 8),
        place="London",
        modules=EWD_MODULES,
        weeks_apart=3,
        capacity=20,
        price_net="1400.00",
        member_price_net="950.00",
        closes_days_before=21,
        delivery=Cohort.Delivery.BLENDED,
    )
    start = _at(datetime.date(today.year - 1, 7, 1), 9)
    for i, user in enumerate(women[:4]):
        seeder.journey(last_autumn, user, State.ENROLLED, start=start + i * DAY)
    seeder.registers(last_autumn, absences={})
    _close(last_autumn)

    upcoming = _cohort(
        programme,
        starts_on=today + datetime.timedelta(days=110),
        place="London",
        modules=EWD_MODULES,
        weeks_apart=3,
        capacity=20,
        price_net="1450.00",
        member_price_net="975.00",
        closes_days_before=30,
        delivery=Cohort.Delivery.BLENDED,
    )
    for i, user in enumerate(women[4:6]):
        seeder.journey(upcoming, user, State.ENROLLED, start=now - (20 - i) * DAY)
    seeder.journey(upcoming, women[6], State.ACCEPTED, start=now - 8 * DAY)
    seeder.journey(upcoming, women[7], State.SPONSOR_DECLINED, start=now - 9 * DAY)
    seeder.journey(upcoming, women[8], State.WITHDRAWN, start=now - 6 * DAY)
    seeder.journey(upcoming, women[9], State.UNDER_REVIEW, start=now - 5 * DAY)
    seeder.journey(upcoming, women[10], State.UNDER_REVIEW, start=now - 4 * DAY)
    seeder.journey(upcoming, women[11], State.AWAITING_SPONSOR, start=now - 1 * DAY)
    guest = User.objects.filter(email=DEMO_GUEST).first()
    if guest is not None:
        seeder.journey(upcoming, guest, State.AWAITING_SPONSOR, start=now - 3 * DAY)


def _councillors(*, today) -> None:
    programme, created = _programme(
        "digital-leadership-for-councillors",
        title="Digital Leadership for Councillors",
        summary="For elected members who want to ask the right questions about digital, "
        "data and technology.",
        audience="Councillors, especially cabinet members and scrutiny chairs.",
        level=Programme.Level.SENIOR,
        learning_outcomes="Ask the right questions of digital programmes\n"
        "Understand data, risk and cyber security at board level",
        duration="Two half-day modules",
        completion_rule=Programme.CompletionRule.ALL_MODULES,
        requires_sponsor=False,
        is_published=False,
        position=4,
    )
    if not created:
        return
    _cohort(
        programme,
        starts_on=today + datetime.timedelta(days=150),
        place="London",
        modules=[
            ModulePlan("Digital, data and the council's strategy", "Cllr Maria Santos"),
            ModulePlan("Scrutinising digital programmes", "Cllr Maria Santos", online=True),
        ],
        weeks_apart=2,
        capacity=30,
        price_net="450.00",
        member_price_net="300.00",
        closes_days_before=21,
        status=Cohort.Status.DRAFT,
    )


def _seed_scale(*, scale: int, today) -> None:
    """For each step of --scale above 1: one more open cohort with 27 applications to review."""
    if scale <= 1:
        return
    programme = Programme.objects.get(slug="leading-digital-transformation")
    now = timezone.now()
    for copy in range(2, scale + 1):
        slug = f"scaled-cohort-{copy}"
        if Cohort.objects.filter(programme=programme, slug=slug).exists():
            continue
        cohort = _cohort(
            programme,
            starts_on=today + datetime.timedelta(days=90 + copy),
            place="Manchester",
            modules=LDT_MODULES,
            weeks_apart=5,
            capacity=30,
            price_net="2400.00",
            member_price_net="1800.00",
            closes_days_before=21,
            name=f"Scaled cohort {copy}",
        )
        applicants = User.objects.filter(email__contains=f"@copy{copy}.").order_by("email")
        Application.objects.bulk_create(
            Application(
                cohort=cohort,
                applicant=user,
                state=State.UNDER_REVIEW,
                full_name=user.full_name,
                email=user.email,
                role=user.job_title or "Digital lead",
                organisation=str(user.organisation or ""),
                time_in_role=TIMES_IN_ROLE[n % len(TIMES_IN_ROLE)],
                sponsor_name="Alison Reid",
                sponsor_email=f"sponsor@{user.email.split('@')[1]}",
                motivation=MOTIVATIONS[n % len(MOTIVATIONS)],
                consent=True,
                sponsor_decision=Application.SponsorDecision.SUPPORTED,
                sponsor_decided_at=now - 2 * DAY,
                submitted_at=now - (n % 20 + 3) * DAY,
            )
            for n, user in enumerate(applicants)
        )


def seed(*, password: str, scale: int) -> str:
    now = timezone.now()
    today = timezone.localdate(now)
    seeder = _Seeder(now=now)
    _leading_digital_transformation(seeder, today=today, now=now)
    _aspiring_digital_leaders(seeder, today=today, now=now)
    _empowering_women_in_digital(seeder, today=today, now=now)
    _councillors(today=today)
    _seed_scale(scale=scale, today=today)
    return (
        f"{Programme.objects.count()} programmes, {Cohort.objects.count()} cohorts, "
        f"{Application.objects.count()} applications, "
        f"{Enrolment.objects.count()} enrolments, "
        f"{Certificate.objects.filter(revoked_at__isnull=True).count()} certificates"
    )


def describe(*, password: str) -> str:
    """Tell a demo user where the academy's demo people are."""
    site = settings.SITE_URL.rstrip("/")
    lines = [
        "Academy",
        f"  {DEMO_DELEGATE} has an offer of a place to confirm and a completed programme "
        f"with a certificate: {site}{reverse('academy:my')}",
        f"  {DEMO_GUEST} has an application waiting for a sponsor's support.",
        f"  {PROGRAMME_MANAGER} reviews applications and takes registers: "
        f"{site}{reverse('academy:manage')}",
    ]
    certificate = (
        Certificate.objects.filter(
            enrolment__delegate__email=DEMO_DELEGATE, revoked_at__isnull=True
        )
        .order_by("-issued_at")
        .first()
    )
    if certificate is not None:
        lines.append(f"  Verify a certificate: {site}{certificate.get_absolute_url()}")
    return "\n".join(lines)
