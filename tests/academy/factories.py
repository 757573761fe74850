import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from academy.models import (
    Application,
    Attendance,
    Cohort,
    Enrolment,
    Module,
    Programme,
)
from payments.models import Order, OrderLine
from tests.accounts.factories import UserFactory
from tests.payments.factories import OrderFactory


def days_from_now(days: int, hour: int = 9) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=30, second=0, microsecond=0)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"Leading Digital Transformation {n}")
    slug = factory.Sequence(lambda n: f"leading-digital-transformation-{n}")
    summary = "For digital leaders who take their organisation through change."
    body = "Five modules over six months.\n\nLearn with peers from councils and the NHS."
    audience = "Heads of digital and service directors in the public sector."
    level = Programme.Level.ESTABLISHED
    learning_outcomes = "Lead change across services\nBuild a digital strategy with your board"
    duration = "Six months, four modules"
    delivery_partner = "Northern Business School"
    completion_rule = Programme.CompletionRule.ALL_MODULES
    requires_sponsor = True
    is_published = True


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"2027 Spring, Manchester {n}")
    slug = factory.Sequence(lambda n: f"2027-spring-{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda c: c.starts_on + datetime.timedelta(days=120))
    delivery = Cohort.Delivery.IN_PERSON
    venue = "Manchester Central Library"
    venue_address = "St Peter's Square\nManchester\nM2 5PD"
    capacity = 20
    price_net = Decimal("2400.00")
    member_price_net = Decimal("1800.00")
    vat_rate = Decimal("20.00")
    applications_close_at = factory.LazyFunction(lambda: days_from_now(30, hour=17))
    status = Cohort.Status.OPEN

    @factory.post_generation
    def modules(self, create, extracted, **kwargs):
        """Give the cohort `modules` modules (default 4), a month apart from its start."""
        if not create or extracted == 0:
            return
        count = extracted if extracted is not None else 4
        start = timezone.make_aware(
            datetime.datetime.combine(self.starts_on, datetime.time(9, 30))
        )
        for index in range(count):
            ModuleFactory(
                cohort=self,
                title=f"Module {index + 1}",
                starts_at=start + datetime.timedelta(days=30 * index),
                ends_at=start + datetime.timedelta(days=30 * index, hours=7),
            )


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    cohort = factory.SubFactory(CohortFactory, modules=0)
    title = factory.Sequence(lambda n: f"Module {n}")
    starts_at = factory.LazyFunction(lambda: days_from_now(60))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + datetime.timedelta(hours=7))
    facilitator = "Dr Amina Patel"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application under review (its sponsor supported it) unless told otherwise."""

    class Meta:
        model = Application

    cohort = factory.SubFactory(CohortFactory)
    applicant = factory.SubFactory(UserFactory)
    state = Application.State.UNDER_REVIEW
    full_name = factory.LazyAttribute(lambda a: a.applicant.full_name or "Sam Jones")
    email = factory.LazyAttribute(lambda a: a.applicant.email)
    role = "Head of Digital Services"
    organisation = "Leeds City Council"
    time_in_role = Application.TimeInRole.ONE_TO_3
    sponsor_name = "Priya Shah"
    sponsor_email = factory.Sequence(lambda n: f"sponsor{n}@example.net")
    motivation = "To lead our council's move to common platforms."
    consent = True
    sponsor_decision = Application.SponsorDecision.SUPPORTED
    sponsor_link_nonce = "0123456789abcdef"
    submitted_at = factory.LazyFunction(timezone.now)


def _line_for(order, cohort):
    line = order.lines.first()
    if line is None:
        unit = cohort.member_price
        line = OrderLine.objects.create(
            order=order,
            position=0,
            description=f"{cohort.programme.title}, {cohort.name}",
            quantity=1,
            unit_net=unit.net,
            vat_rate=cohort.vat_rate,
            net=unit.net,
            vat=unit.vat,
            gross=unit.gross,
        )
        Order.objects.filter(pk=order.pk).update(
            total_net=unit.net, total_vat=unit.vat, total_gross=unit.gross
        )
    return line


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A confirmed enrolment paid by invoice, with its order and line."""

    class Meta:
        model = Enrolment

    application = factory.SubFactory(ApplicationFactory, state=Application.State.ENROLLED)
    cohort = factory.LazyAttribute(lambda e: e.application.cohort)
    delegate = factory.LazyAttribute(lambda e: e.application.applicant)
    order = factory.SubFactory(OrderFactory)
    order_line = factory.LazyAttribute(lambda e: _line_for(e.order, e.cohort))
    state = Enrolment.State.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    status = Attendance.Status.PRESENT
    method = Attendance.Method.REGISTER
    recorded_at = factory.LazyFunction(timezone.now)
