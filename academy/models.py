"""Programmes run as cohorts; people apply, are enrolled, attend modules and finish."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.money import Price, price

# Words the academy's own pages use at /academy/<word>/.
RESERVED_PROGRAMME_SLUGS = {"my", "manage", "verify", "sponsor", "certificates"}


def validate_programme_slug(slug: str) -> None:
    if slug in RESERVED_PROGRAMME_SLUGS:
        raise ValidationError(f"“{slug}” is used by the academy's own pages; choose another slug.")


class Programme(TimeStampedModel):
    """A leadership programme, run once or more a year as cohorts."""

    class Level(models.TextChoices):
        EMERGING = "emerging", "Emerging leaders"
        ESTABLISHED = "established", "Established leaders"
        SENIOR = "senior", "Senior leaders"

    class CompletionRule(models.TextChoices):
        ALL_MODULES = "all", "Attend every module"
        AT_LEAST = "at_least", "Attend at least a number of modules"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, validators=[validate_programme_slug])
    summary = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="Paragraphs separated by blank lines.")
    audience = models.TextField(help_text="Who the programme is for.")
    level = models.CharField(max_length=16, choices=Level.choices)
    learning_outcomes = models.TextField(help_text="One outcome a line.")
    duration = models.CharField(
        max_length=200, help_text="For example “Six months, five modules”."
    )
    delivery_partner = models.CharField(max_length=200, blank=True)
    completion_rule = models.CharField(
        max_length=16, choices=CompletionRule.choices, default=CompletionRule.ALL_MODULES
    )
    minimum_modules = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="With “at least a number of modules”: how many a delegate must attend.",
    )
    requires_sponsor = models.BooleanField(
        "needs a sponsor's support",
        default=True,
        help_text="Ask the applicant's line manager or sponsor to support the application.",
    )
    is_published = models.BooleanField("published", default=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the academy page.")

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_rule="all")
                | Q(
                    completion_rule="at_least",
                    minimum_modules__isnull=False,
                    minimum_modules__gte=1,
                ),
                name="programme_at_least_needs_minimum",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("academy:programme", args=[self.slug])

    @property
    def outcomes(self) -> list[str]:
        return [line.strip() for line in self.learning_outcomes.splitlines() if line.strip()]

    def modules_needed(self, module_count: int) -> int:
        """Return how many of a cohort's modules a delegate must attend to complete."""
        if self.completion_rule == self.CompletionRule.AT_LEAST and self.minimum_modules:
            return min(self.minimum_modules, module_count)
        return module_count


class Cohort(TimeStampedModel):
    """One run of a programme: its dates, place, price and places."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for applications"
        CLOSED = "closed", "Applications closed"
        CANCELLED = "cancelled", "Cancelled"

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        BLENDED = "blended", "In person and online"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=200, help_text="For example “2019 Spring, Manchester”.")
    slug = models.SlugField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    venue = models.CharField(max_length=200, blank=True, help_text="Where most modules are held.")
    venue_address = models.TextField(blank=True)
    capacity = models.PositiveIntegerField()
    price_net = models.DecimalField(
        "non-member price (net)", max_digits=9, decimal_places=2, help_text="Excluding VAT."
    )
    member_price_net = models.DecimalField(
        "member price (net)", max_digits=9, decimal_places=2, help_text="Excluding VAT."
    )
    vat_rate = models.DecimalField("VAT rate (%)", max_digits=5, decimal_places=2, default=20)
    applications_close_at = models.DateTimeField("application deadline")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )

    class Meta:
        ordering = ["programme", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "slug"], name="cohort_slug_per_programme"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="cohort_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(price_net__gte=0, member_price_net__gte=0, vat_rate__gte=0),
                name="cohort_prices_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.programme.title}: {self.name}"

    def get_absolute_url(self):
        return reverse("academy:programme", args=[self.programme.slug]) + f"#cohort-{self.slug}"

    @property
    def price(self) -> Price:
        return price(self.price_net, self.vat_rate)

    @property
    def member_price(self) -> Price:
        return price(self.member_price_net, self.vat_rate)

    def price_for(self, *, is_member: bool) -> Price:
        return self.member_price if is_member else self.price


class Module(TimeStampedModel):
    """A day (or part of one) of a cohort that delegates attend."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue = models.CharField(max_length=200, blank=True, help_text="Blank: the cohort's venue.")
    online_link = models.URLField(blank=True, help_text="Shown to enrolled delegates only.")
    facilitator = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["cohort", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="module_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def where(self) -> str:
        return self.venue or self.cohort.venue or ("Online" if self.online_link else "")

    # What a calendar entry shows; changing any of them raises SEQUENCE.
    CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "venue", "online_link")

    def save(self, *args, **kwargs):
        # Calendar clients only take a changed entry whose SEQUENCE rose.
        if self.pk:
            old = Module.objects.filter(pk=self.pk).values(*self.CALENDAR_FIELDS).first()
            new = {name: getattr(self, name) for name in self.CALENDAR_FIELDS}
            if old and old != new:
                self.sequence += 1
                if kwargs.get("update_fields"):
                    kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        super().save(*args, **kwargs)


class Application(TimeStampedModel):
    """Someone asking for a place on a cohort, with their sponsor's support."""

    class State(models.TextChoices):
        AWAITING_SPONSOR = "awaiting_sponsor", "Waiting for sponsor"
        SPONSOR_DECLINED = "sponsor_declined", "Not supported by sponsor"
        UNDER_REVIEW = "under_review", "Under review"
        ACCEPTED = "accepted", "Accepted"
        WAITING_LIST = "waiting_list", "On the waiting list"
        REJECTED = "rejected", "Not successful"
        ENROLLED = "enrolled", "Enrolled"
        LAPSED = "lapsed", "Offer lapsed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class SponsorDecision(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        PENDING = "pending", "Waiting"
        SUPPORTED = "supported", "Supported"
        DECLINED = "declined", "Declined"

    class TimeInRole(models.TextChoices):
        UNDER_1 = "under_1", "Less than a year"
        ONE_TO_3 = "1_to_3", "1 to 3 years"
        THREE_TO_5 = "3_to_5", "3 to 5 years"
        OVER_5 = "over_5", "More than 5 years"

    # States from which an applicant can still withdraw; the others are final
    # or (enrolled) are cancelled through the enrolment.
    OPEN_STATES = (
        State.AWAITING_SPONSOR,
        State.UNDER_REVIEW,
        State.ACCEPTED,
        State.WAITING_LIST,
    )
    # States a programme manager can decide from.
    REVIEWABLE_STATES = (State.UNDER_REVIEW, State.WAITING_LIST, State.AWAITING_SPONSOR)

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="academy_applications"
    )
    state = models.CharField(max_length=20, choices=State.choices, db_index=True)
    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField("job title", max_length=200)
    organisation = models.CharField(max_length=200)
    time_in_role = models.CharField(max_length=16, choices=TimeInRole.choices)
    sponsor_name = models.CharField("line manager or sponsor's name", max_length=200)
    sponsor_email = models.EmailField("line manager or sponsor's email address")
    motivation = models.TextField("why they want to take part")
    access_needs = models.TextField(blank=True)
    consent = models.BooleanField(
        "agreed that the academy may hold and share the application with the sponsor"
    )

    sponsor_decision = models.CharField(
        max_length=16, choices=SponsorDecision.choices, default=SponsorDecision.PENDING
    )
    sponsor_comment = models.TextField(blank=True)
    sponsor_decided_at = models.DateTimeField(null=True, blank=True)
    # Changes whenever the sponsor is emailed a new link, so older links stop working.
    sponsor_link_nonce = models.CharField(max_length=32, blank=True)
    sponsor_emailed_at = models.DateTimeField(null=True, blank=True)

    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="An accepted applicant holds a place until then."
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["cohort", "state"])]
        constraints = [
            # One live application per person per cohort; a withdrawn, lapsed,
            # declined or rejected one does not stop them applying again.
            models.UniqueConstraint(
                fields=["cohort", "applicant"],
                condition=Q(
                    state__in=[
                        "awaiting_sponsor",
                        "under_review",
                        "accepted",
                        "waiting_list",
                        "enrolled",
                    ]
                ),
                name="one_live_application_per_cohort",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(offer_expires_at__isnull=False),
                name="accepted_application_has_offer_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} for {self.cohort}"

    def get_absolute_url(self):
        return reverse("academy:application", args=[self.pk])


def new_enrolment_secret() -> str:
    """A random secret for the enrolment's QR code: 256 bits, never derived from an id."""
    return secrets.token_urlsafe(32)


class Enrolment(TimeStampedModel):
    """A delegate's place on a cohort, held by an order until it is paid or invoiced."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="enrolments"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="academy_enrolments"
    )
    order = models.ForeignKey(
        "payments.Order", on_delete=models.PROTECT, related_name="academy_enrolments"
    )
    order_line = models.ForeignKey(
        "payments.OrderLine", on_delete=models.PROTECT, related_name="academy_enrolments"
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    qr_secret = models.CharField(
        max_length=64, unique=True, default=new_enrolment_secret, editable=False
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cohort", "application__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=["pending", "confirmed"]),
                name="one_live_enrolment_per_application",
            ),
        ]

    def __str__(self):
        return f"{self.application.full_name} on {self.cohort}"

    def get_absolute_url(self):
        return reverse("academy:enrolment", args=[self.pk])

    @property
    def full_name(self) -> str:
        return self.application.full_name


class Attendance(TimeStampedModel):
    """Whether one enrolled delegate attended one module, and who recorded it."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"

    class Method(models.TextChoices):
        REGISTER = "register", "Register"
        SCAN = "scan", "QR code scan"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(max_length=8, choices=Status.choices)
    method = models.CharField(max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["module", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["module", "enrolment"], name="one_mark_per_module"),
        ]

    def __str__(self):
        return f"{self.enrolment} – {self.module}: {self.get_status_display()}"


def new_certificate_code() -> str:
    """A verification code people can read aloud: 12 characters, no 0/O or 1/I."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Certificate(TimeStampedModel):
    """A completion certificate, as issued; revoked ones stay for the record."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=14, unique=True, default=new_certificate_code)
    # What the certificate says, fixed when it is issued.
    delegate_name = models.CharField(max_length=200)
    programme_title = models.CharField(max_length=200)
    cohort_name = models.CharField(max_length=200)
    delivery_partner = models.CharField(max_length=200, blank=True)
    modules_attended = models.PositiveSmallIntegerField()
    modules_total = models.PositiveSmallIntegerField()
    completed_on = models.DateField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_enrolment",
            ),
        ]

    def __str__(self):
        return f"Certificate {self.code} for {self.delegate_name}"

    def get_absolute_url(self):
        return reverse("academy:verify_code", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
