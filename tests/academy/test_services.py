"""The academy's rules through its services: applying, sponsors, decisions, enrolment,
attendance and completion. What the pages and API show is tested beside them."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from academy.exceptions import (
    AcademyError,
    AlreadyApplied,
    ApplicationsClosed,
    CohortFull,
    CompletionNotMet,
    ExpiredSponsorLink,
    InvalidSponsorLink,
    NotEnrolled,
    WrongState,
)
from academy.models import Application, Attendance, Certificate, Enrolment, Programme
from academy.selectors import certificate_get, enrolment_progress, places_left
from academy.services.applications import (
    ApplicationDetails,
    Decision,
    application_decide,
    application_submit,
    application_withdraw,
    applications_decide,
    offers_lapse_overdue,
    sponsor_decide,
    sponsor_link_resend,
    sponsor_link_token,
)
from academy.services.attendance import ScanResult, attendance_scan, register_save
from academy.services.certificates import certificate_issue, certificate_revoke
from academy.services.enrolments import enrolment_cancel, enrolment_create
from payments.models import CreditNote, Invoice, Order
from payments.services import Billing, order_expire_overdue, order_mark_paid
from tests.academy.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
)
from tests.accounts.factories import OrganisationFactory, UserFactory

# Real commits, so that what services queue on commit (emails, offers) happens.
pytestmark = pytest.mark.django_db(transaction=True)

BILLING = Billing(
    organisation="Leeds City Council",
    address="Civic Hall\nCalverley Street\nLeeds",
    postcode="LS1 1UR",
    purchase_order="PO-77812",
)


@pytest.fixture(autouse=True)
def sent(monkeypatch):
    """What the academy emailed: (recipients, template) in order."""
    messages = []

    def record(*, to, template, context, **kwargs):
        messages.append((list(to), template.rsplit("/", 1)[-1]))
        return 1

    monkeypatch.setattr("academy.notifications.send_email", record)
    return messages


@pytest.fixture
def manager():
    return UserFactory(email="pm@example.org", full_name="Pat Manager")


def details(user, **overrides) -> ApplicationDetails:
    values = {
        "full_name": user.full_name,
        "email": user.email,
        "role": "Head of Digital",
        "organisation": "Leeds City Council",
        "time_in_role": Application.TimeInRole.ONE_TO_3,
        "sponsor_name": "Priya Shah",
        "sponsor_email": "priya.shah@leeds.gov.uk",
        "motivation": "To lead our move to common platforms.",
        "consent": True,
    }
    values.update(overrides)
    return ApplicationDetails(**values)


# --- applying --------------------------------------------------------------------


def test_application_waits_for_the_sponsor_and_emails_both(sent):
    cohort = CohortFactory()
    user = UserFactory()

    application = application_submit(cohort=cohort, applicant=user, details=details(user))

    assert application.state == Application.State.AWAITING_SPONSOR
    assert application.sponsor_decision == Application.SponsorDecision.PENDING
    assert sent == [
        ([user.email], "submitted"),
        (["priya.shah@leeds.gov.uk"], "sponsor_request"),
    ]


def test_without_a_sponsor_rule_the_application_goes_straight_to_review(sent):
    cohort = CohortFactory(programme=ProgrammeFactory(requires_sponsor=False))
    user = UserFactory()

    application = application_submit(cohort=cohort, applicant=user, details=details(user))

    assert application.state == Application.State.UNDER_REVIEW
    assert application.sponsor_decision == Application.SponsorDecision.NOT_NEEDED
    assert sent == [([user.email], "submitted")]


def test_applications_close_at_the_deadline(sent):
    cohort = CohortFactory(applications_close_at=timezone.now() - datetime.timedelta(minutes=1))
    user = UserFactory()

    with pytest.raises(ApplicationsClosed, match="deadline"):
        application_submit(cohort=cohort, applicant=user, details=details(user))

    assert not Application.objects.exists()
    assert sent == []


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
def test_only_open_cohorts_take_applications(status):
    cohort = CohortFactory(status=status)
    user = UserFactory()

    with pytest.raises(ApplicationsClosed):
        application_submit(cohort=cohort, applicant=user, details=details(user))


def test_one_live_application_per_cohort_but_again_after_withdrawing(sent):
    cohort = CohortFactory()
    user = UserFactory()
    first = application_submit(cohort=cohort, applicant=user, details=details(user))

    with pytest.raises(AlreadyApplied):
        application_submit(cohort=cohort, applicant=user, details=details(user))

    application_withdraw(application=first, by=user)
    again = application_submit(cohort=cohort, applicant=user, details=details(user))
    assert again.pk != first.pk


def test_consent_and_a_real_sponsor_are_required():
    cohort = CohortFactory()
    user = UserFactory()

    with pytest.raises(AcademyError, match="Agree"):
        application_submit(cohort=cohort, applicant=user, details=details(user, consent=False))
    with pytest.raises(AcademyError, match="someone else"):
        application_submit(
            cohort=cohort, applicant=user, details=details(user, sponsor_email=user.email.upper())
        )
    assert not Application.objects.exists()


# --- the sponsor's link ---------------------------------------------------------------


def _awaiting(cohort=None):
    cohort = cohort or CohortFactory()
    user = UserFactory()
    return application_submit(cohort=cohort, applicant=user, details=details(user))


def test_sponsor_supports_from_the_link(sent):
    application = _awaiting()

    sponsor_decide(
        token=sponsor_link_token(application), supported=True, comment="  Strong candidate. "
    )

    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW
    assert application.sponsor_decision == Application.SponsorDecision.SUPPORTED
    assert application.sponsor_comment == "Strong candidate."
    assert sent[-1] == ([application.email], "sponsor_supported")


def test_sponsor_declines_from_the_link(sent):
    application = _awaiting()

    sponsor_decide(token=sponsor_link_token(application), supported=False)

    application.refresh_from_db()
    assert application.state == Application.State.SPONSOR_DECLINED
    assert sent[-1] == ([application.email], "sponsor_declined")


def test_a_tampered_link_does_nothing(sent):
    application = _awaiting()
    token = sponsor_link_token(application)
    _, rest = token.split(".", 1)
    other = _awaiting()
    forged = f"{other.pk}.{rest}"  # someone else's application with this signature

    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged, "nonsense", ""):
        with pytest.raises(InvalidSponsorLink):
            sponsor_decide(token=bad, supported=True)

    application.refresh_from_db()
    other.refresh_from_db()
    assert application.state == other.state == Application.State.AWAITING_SPONSOR


def test_an_expired_link_does_nothing():
    application = _awaiting()
    issued = timezone.now() - datetime.timedelta(days=15)

    with pytest.raises(ExpiredSponsorLink, match="expired"):
        sponsor_decide(token=sponsor_link_token(application, issued_at=issued), supported=True)

    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_SPONSOR


def test_a_link_still_works_just_inside_its_lifetime():
    application = _awaiting()
    issued = timezone.now() - datetime.timedelta(days=13, hours=23)

    sponsor_decide(token=sponsor_link_token(application, issued_at=issued), supported=True)

    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_sending_the_request_again_retires_the_old_link(sent):
    application = _awaiting()
    old = sponsor_link_token(application)

    sponsor_link_resend(
        application=application, now=timezone.now() + datetime.timedelta(minutes=11)
    )
    application.refresh_from_db()

    with pytest.raises(InvalidSponsorLink, match="newer"):
        sponsor_decide(token=old, supported=True)
    sponsor_decide(token=sponsor_link_token(application), supported=True)
    assert sent.count((["priya.shah@leeds.gov.uk"], "sponsor_request")) == 2


def test_the_sponsor_is_not_emailed_again_within_ten_minutes(sent):
    application = _awaiting()
    token = sponsor_link_token(application)

    with pytest.raises(WrongState, match="a few minutes ago"):
        sponsor_link_resend(
            application=application, now=timezone.now() + datetime.timedelta(minutes=9)
        )

    assert sent.count((["priya.shah@leeds.gov.uk"], "sponsor_request")) == 1
    sponsor_decide(token=token, supported=True)  # the first link still works


def test_the_sponsor_answers_once():
    application = _awaiting()
    token = sponsor_link_token(application)
    sponsor_decide(token=token, supported=True)

    with pytest.raises(WrongState):
        sponsor_decide(token=token, supported=False)

    application.refresh_from_db()
    assert application.sponsor_decision == Application.SponsorDecision.SUPPORTED


# --- programme managers' decisions ----------------------------------------------------


def test_accepting_holds_a_place_until_the_offer_lapses(sent, manager, settings):
    settings.ACADEMY_OFFER_DAYS = 14
    cohort = CohortFactory(capacity=2)
    application = ApplicationFactory(cohort=cohort)
    now = timezone.now()

    application_decide(application=application, decision=Decision.ACCEPT, by=manager, now=now)

    application.refresh_from_db()
    assert application.state == Application.State.ACCEPTED
    assert application.offer_expires_at == now + datetime.timedelta(days=14)
    assert application.decided_by == manager
    assert places_left(cohort=cohort) == 1
    assert sent[-1] == ([application.email], "accepted")


def test_an_offer_never_runs_past_the_cohort_start(manager, sent):
    cohort = CohortFactory(starts_on=timezone.localdate() + datetime.timedelta(days=3))
    application = ApplicationFactory(cohort=cohort)

    application_decide(application=application, decision=Decision.ACCEPT, by=manager)

    application.refresh_from_db()
    assert timezone.localtime(application.offer_expires_at).date() == cohort.starts_on


def test_no_acceptance_beyond_capacity(manager, sent):
    cohort = CohortFactory(capacity=1)
    first, second = ApplicationFactory.create_batch(2, cohort=cohort)
    application_decide(application=first, decision=Decision.ACCEPT, by=manager)

    with pytest.raises(CohortFull, match="waiting list"):
        application_decide(application=second, decision=Decision.ACCEPT, by=manager)

    second.refresh_from_db()
    assert second.state == Application.State.UNDER_REVIEW


def test_nothing_is_accepted_before_the_sponsor_supports(manager):
    application = _awaiting()

    with pytest.raises(WrongState, match="sponsor"):
        application_decide(application=application, decision=Decision.ACCEPT, by=manager)
    with pytest.raises(WrongState, match="sponsor"):
        application_decide(application=application, decision=Decision.WAITING_LIST, by=manager)


def test_rejection_needs_a_reason_and_emails_it(manager, sent):
    application = ApplicationFactory()

    with pytest.raises(AcademyError, match="reason"):
        application_decide(application=application, decision=Decision.REJECT, by=manager)
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW

    application_decide(
        application=application,
        decision=Decision.REJECT,
        by=manager,
        reason="This cohort is for people who lead a digital team.",
    )
    application.refresh_from_db()
    assert application.state == Application.State.REJECTED
    assert application.decision_reason == "This cohort is for people who lead a digital team."
    assert sent[-1] == ([application.email], "rejected")


def test_bulk_decisions_take_the_earliest_first_and_report_the_rest(manager, sent):
    cohort = CohortFactory(capacity=2)
    start = timezone.now() - datetime.timedelta(days=5)
    applications = [
        ApplicationFactory(cohort=cohort, submitted_at=start + datetime.timedelta(hours=n))
        for n in range(4)
    ]
    waiting_for_sponsor = _awaiting(cohort)

    outcome = applications_decide(
        applications=[*reversed(applications), waiting_for_sponsor],
        decision=Decision.ACCEPT,
        by=manager,
    )

    assert [a.pk for a in outcome.done] == [applications[0].pk, applications[1].pk]
    refused = {application.pk: message for application, message in outcome.refused}
    assert "no places left" in refused[applications[2].pk]
    assert "sponsor" in refused[waiting_for_sponsor.pk]
    assert places_left(cohort=cohort) == 0


def test_a_freed_place_goes_to_the_first_on_the_waiting_list(manager, sent):
    cohort = CohortFactory(capacity=1)
    accepted = ApplicationFactory(cohort=cohort)
    application_decide(application=accepted, decision=Decision.ACCEPT, by=manager)
    later, earlier = ApplicationFactory.create_batch(2, cohort=cohort)
    application_decide(application=earlier, decision=Decision.WAITING_LIST, by=manager)
    application_decide(application=later, decision=Decision.WAITING_LIST, by=manager)

    application_withdraw(application=accepted, by=accepted.applicant)

    earlier.refresh_from_db()
    later.refresh_from_db()
    assert earlier.state == Application.State.ACCEPTED
    assert earlier.decided_by is None
    assert later.state == Application.State.WAITING_LIST
    assert ([earlier.email], "accepted") in sent


def test_offers_nobody_confirmed_lapse_and_pass_on(manager, sent):
    cohort = CohortFactory(capacity=1)
    accepted = ApplicationFactory(cohort=cohort)
    waiting = ApplicationFactory(cohort=cohort)
    application_decide(application=accepted, decision=Decision.ACCEPT, by=manager)
    application_decide(application=waiting, decision=Decision.WAITING_LIST, by=manager)
    accepted.refresh_from_db()

    lapsed = offers_lapse_overdue(now=accepted.offer_expires_at + datetime.timedelta(minutes=1))

    assert lapsed == [accepted.pk]
    accepted.refresh_from_db()
    waiting.refresh_from_db()
    assert accepted.state == Application.State.LAPSED
    assert waiting.state == Application.State.ACCEPTED
    assert ([accepted.email], "lapsed") in sent


# --- enrolment and payment ---------------------------------------------------------------


def _accepted(cohort=None, applicant=None, manager=None):
    application = ApplicationFactory(
        cohort=cohort or CohortFactory(), applicant=applicant or UserFactory()
    )
    return application_decide(
        application=application,
        decision=Decision.ACCEPT,
        by=manager or UserFactory(email="pm2@example.org"),
    )


def test_enrolling_by_invoice_confirms_at_once_and_issues_the_invoice(sent):
    application = _accepted()
    user = application.applicant

    enrolment = enrolment_create(
        application=application, by=user, payment_method="invoice", billing=BILLING
    )

    application.refresh_from_db()
    assert application.state == Application.State.ENROLLED
    assert enrolment.state == Enrolment.State.CONFIRMED
    order = enrolment.order
    assert order.payment_method == Order.PaymentMethod.INVOICE
    assert order.purchase_order == "PO-77812"
    assert order.total_gross == Decimal("2880.00")  # non-member £2,400 + 20% VAT
    assert order.supply_date == application.cohort.starts_on
    invoice = Invoice.objects.get(order=order)
    assert invoice.lines[0]["description"].startswith(application.cohort.programme.title)
    assert ([user.email], "enrolled") in sent


def test_members_pay_the_member_price():
    OrganisationFactory(name="Leeds City Council", domains=["leeds.gov.uk"])
    user = UserFactory(email="sam@leeds.gov.uk")
    application = _accepted(applicant=user)

    enrolment = enrolment_create(
        application=application, by=user, payment_method="invoice", billing=BILLING
    )

    assert enrolment.order.total_net == Decimal("1800.00")
    assert enrolment.order.total_gross == Decimal("2160.00")


def test_card_enrolment_waits_for_payment_then_confirms(sent):
    application = _accepted()
    user = application.applicant

    enrolment = enrolment_create(application=application, by=user, payment_method="card")

    assert enrolment.state == Enrolment.State.PENDING
    assert ([user.email], "enrolled") not in sent
    with transaction.atomic():  # as the webhook's processing does
        order_mark_paid(order=enrolment.order)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert ([user.email], "enrolled") in sent


def test_an_unpaid_card_order_expires_and_the_offer_still_holds_the_place():
    application = _accepted(cohort=CohortFactory(capacity=1))
    enrolment = enrolment_create(
        application=application, by=application.applicant, payment_method="card"
    )

    order_expire_overdue(now=enrolment.order.expires_at + datetime.timedelta(seconds=1))

    enrolment.refresh_from_db()
    application.refresh_from_db()
    assert enrolment.state == Enrolment.State.CANCELLED
    assert application.state == Application.State.ACCEPTED
    assert places_left(cohort=application.cohort) == 0
    # ...so they can try again.
    again = enrolment_create(
        application=application,
        by=application.applicant,
        payment_method="invoice",
        billing=BILLING,
    )
    assert again.state == Enrolment.State.CONFIRMED


def test_only_the_applicant_confirms_an_offer():
    application = _accepted()
    stranger = UserFactory()

    with pytest.raises(NotEnrolled):
        enrolment_create(application=application, by=stranger, payment_method="invoice")

    assert not Order.objects.exists()


def test_no_enrolment_without_an_offer():
    application = ApplicationFactory()  # under review

    with pytest.raises(WrongState):
        enrolment_create(
            application=application, by=application.applicant, payment_method="invoice"
        )
    assert not Order.objects.exists()


def test_a_lapsed_offer_enrols_only_into_a_free_place():
    cohort = CohortFactory(capacity=1)
    past = timezone.now() - datetime.timedelta(hours=1)
    late = ApplicationFactory(
        cohort=cohort, state=Application.State.ACCEPTED, offer_expires_at=past
    )
    _accepted(cohort=cohort)  # takes the only place

    with pytest.raises(CohortFull):
        enrolment_create(application=late, by=late.applicant, payment_method="invoice")
    assert not Enrolment.objects.filter(application=late).exists()


def test_cancelling_an_invoiced_enrolment_credits_it_and_offers_the_place(manager, sent):
    cohort = CohortFactory(capacity=1)
    application = _accepted(cohort=cohort)
    enrolment = enrolment_create(
        application=application,
        by=application.applicant,
        payment_method="invoice",
        billing=BILLING,
    )
    waiting = ApplicationFactory(cohort=cohort)
    application_decide(application=waiting, decision=Decision.WAITING_LIST, by=manager)

    enrolment_cancel(enrolment=enrolment, by=manager, reason="Changed role")

    enrolment.refresh_from_db()
    application.refresh_from_db()
    waiting.refresh_from_db()
    assert enrolment.state == Enrolment.State.CANCELLED
    assert application.state == Application.State.WITHDRAWN
    assert CreditNote.objects.get(invoice__order=enrolment.order).total_gross == Decimal("2880.00")
    assert waiting.state == Application.State.ACCEPTED


def test_cancelling_an_unpaid_card_enrolment_cancels_its_order(manager):
    application = _accepted()
    enrolment = enrolment_create(
        application=application, by=application.applicant, payment_method="card"
    )

    enrolment_cancel(enrolment=enrolment, by=manager, reason="")

    enrolment.refresh_from_db()
    application.refresh_from_db()
    assert enrolment.state == Enrolment.State.CANCELLED
    assert enrolment.order.state == Order.State.CANCELLED
    assert application.state == Application.State.WITHDRAWN


# --- attendance and completion -----------------------------------------------------------


def _enrolment(*, modules=4, **programme):
    cohort = CohortFactory(programme=ProgrammeFactory(**programme), modules=modules)
    return EnrolmentFactory(application__cohort=cohort)


def test_every_module_attended_completes_and_issues_the_certificate(manager, sent):
    enrolment = _enrolment(modules=3)
    modules = list(enrolment.cohort.modules.all())

    for module in modules[:2]:
        register_save(module=module, marks={enrolment.pk: "present"}, by=manager)
    assert not Certificate.objects.exists()
    register_save(module=modules[2], marks={enrolment.pk: "present"}, by=manager)

    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.modules_attended == certificate.modules_total == 3
    assert certificate.delegate_name == enrolment.application.full_name
    assert ([enrolment.application.email], "certificate") in sent


def test_at_least_n_of_m_modules(manager):
    enrolment = _enrolment(modules=5, completion_rule="at_least", minimum_modules=4)
    modules = list(enrolment.cohort.modules.all())
    marks = ["present", "absent", "present", "present"]

    for module, status in zip(modules, marks, strict=False):
        register_save(module=module, marks={enrolment.pk: status}, by=manager)

    progress = enrolment_progress(enrolment)
    assert (progress.attended, progress.needed, progress.total) == (3, 4, 5)
    assert not progress.complete
    assert not Certificate.objects.exists()

    register_save(module=modules[4], marks={enrolment.pk: "present"}, by=manager)
    assert enrolment_progress(enrolment).complete
    assert Certificate.objects.filter(enrolment=enrolment, revoked_at__isnull=True).exists()


def test_a_mark_changed_to_absent_stops_counting(manager):
    enrolment = _enrolment(modules=2)
    first, second = enrolment.cohort.modules.all()
    register_save(module=first, marks={enrolment.pk: "present"}, by=manager)
    register_save(module=first, marks={enrolment.pk: "absent"}, by=manager)
    register_save(module=second, marks={enrolment.pk: "present"}, by=manager)

    assert enrolment_progress(enrolment).attended == 1
    assert not Certificate.objects.exists()


def test_a_register_with_a_stranger_saves_nothing(manager):
    enrolment = _enrolment(modules=2)
    stranger = EnrolmentFactory()  # another cohort
    module = enrolment.cohort.modules.first()

    with pytest.raises(AcademyError):
        register_save(
            module=module, marks={enrolment.pk: "present", stranger.pk: "present"}, by=manager
        )
    with pytest.raises(AcademyError):
        register_save(module=module, marks={enrolment.pk: "late"}, by=manager)
    assert not Attendance.objects.exists()


def test_issuing_by_hand_needs_the_rule_met(manager):
    enrolment = _enrolment(modules=2)
    AttendanceFactory(module=enrolment.cohort.modules.first(), enrolment=enrolment)

    with pytest.raises(CompletionNotMet, match="1 of the 2"):
        certificate_issue(enrolment=enrolment, by=manager)


def test_revoked_certificates_stay_revoked_until_reissued(manager):
    enrolment = _enrolment(modules=1)
    module = enrolment.cohort.modules.get()
    register_save(module=module, marks={enrolment.pk: "present"}, by=manager)
    certificate = Certificate.objects.get()

    with pytest.raises(AcademyError, match="reason"):
        certificate_revoke(certificate=certificate, by=manager, reason=" ")
    certificate_revoke(certificate=certificate, by=manager, reason="Issued in error")
    # Marking again does not bring it back by itself...
    register_save(module=module, marks={enrolment.pk: "absent"}, by=manager)
    register_save(module=module, marks={enrolment.pk: "present"}, by=manager)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 0
    # ...a programme manager re-issues it, with a new code.
    again = certificate_issue(enrolment=enrolment, by=manager)
    assert again.code != certificate.code
    assert certificate_issue(enrolment=enrolment, by=manager) == again


def test_codes_verify_in_any_case_and_spacing(manager):
    enrolment = _enrolment(modules=1)
    register_save(
        module=enrolment.cohort.modules.get(), marks={enrolment.pk: "present"}, by=manager
    )
    certificate = Certificate.objects.get()
    raw = certificate.code.replace("-", "")

    assert certificate_get(code=f" {raw[:6].lower()} {raw[6:]} ") == certificate
    assert certificate_get(code=certificate.code) == certificate
    assert certificate_get(code="AAAA-BBBB-CCCC") is None
    assert certificate_get(code="short") is None


def test_scanning_marks_present_once(manager):
    enrolment = _enrolment(modules=2)
    module = enrolment.cohort.modules.first()

    first = attendance_scan(module=module, secret=enrolment.qr_secret, by=manager)
    second = attendance_scan(module=module, secret=f" {enrolment.qr_secret}\n", by=manager)

    assert first.result == ScanResult.OK
    assert second.result == ScanResult.ALREADY
    assert "already marked present" in second.message
    assert Attendance.objects.get().method == Attendance.Method.SCAN


def test_scans_refuse_strangers_and_unpaid_places(manager):
    enrolment = _enrolment(modules=1)
    module = enrolment.cohort.modules.get()
    other = EnrolmentFactory()
    unpaid = EnrolmentFactory(
        application__cohort=enrolment.cohort, state=Enrolment.State.PENDING, confirmed_at=None
    )
    cancelled = EnrolmentFactory(
        application__cohort=enrolment.cohort, state=Enrolment.State.CANCELLED
    )

    assert attendance_scan(module=module, secret="nope", by=manager).result == ScanResult.UNKNOWN
    assert attendance_scan(module=module, secret="", by=manager).result == ScanResult.UNKNOWN
    for enrolled, words in (
        (other, "another cohort"),
        (unpaid, "not been paid"),
        (cancelled, "cancelled"),
    ):
        scan = attendance_scan(module=module, secret=enrolled.qr_secret, by=manager)
        assert scan.result == ScanResult.INVALID
        assert words in scan.message
    assert not Attendance.objects.exists()


def test_programme_rule_needs_a_minimum_when_at_least():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory(completion_rule=Programme.CompletionRule.AT_LEAST, minimum_modules=None)
