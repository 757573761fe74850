import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.models import TimeStampedModel
from core.money import UK_STANDARD_VAT_RATE, Price, price


class Venue(TimeStampedModel):
    name = models.CharField(max_length=200)
    address = models.TextField(help_text="One line per line of the address, without the postcode.")
    postcode = models.CharField(max_length=16, blank=True)
    access_information = models.TextField(
        blank=True, help_text="Step-free access, hearing loops, parking, quiet rooms."
    )
    map_url = models.URLField("map link", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def one_line(self) -> str:
        parts = [self.name, *self.address.splitlines(), self.postcode]
        return ", ".join(p.strip() for p in parts if p.strip())


class Speaker(TimeStampedModel):
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    bio = models.TextField("short biography", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# Slugs that would collide with the events pages' own addresses.
RESERVED_EVENT_SLUGS = {"feed", "past", "staff"}


def validate_event_slug(slug: str) -> None:
    if slug in RESERVED_EVENT_SLUGS:
        raise ValidationError(f"“{slug}” is used by the site itself; choose another web address.")


class Event(TimeStampedModel):
    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    # Changes to these move the event in people's calendars (SEQUENCE rises).
    SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue_id", "format", "status", "title")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, validators=[validate_event_slug])
    summary = models.CharField(max_length=300, help_text="One or two sentences for listings.")
    body = models.TextField(blank=True, help_text="Plain text; blank lines separate paragraphs.")
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.IN_PERSON)
    online_link = models.URLField(
        "online joining link", blank=True, help_text="Shown only to confirmed delegates."
    )
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(help_text="Places at the event across all tickets.")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty to close when the event starts."
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    organiser_name = models.CharField(max_length=200, blank=True)
    organiser_email = models.EmailField(blank=True)
    cancellation_policy = models.TextField(blank=True)
    cancellation_cutoff_days = models.PositiveSmallIntegerField(
        default=7, help_text="Delegates may cancel or transfer up to this many days before."
    )
    members_only = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_it_starts",
                violation_error_message="The event must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(registration_closes_at__isnull=True)
                | models.Q(registration_opens_at__isnull=True)
                | models.Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="event_registration_closes_after_it_opens",
                violation_error_message="Registration must close after it opens.",
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._schedule_snapshot = instance._schedule()
        return instance

    def _schedule(self):
        # __dict__, not getattr: a deferred field must not be loaded (or recurse) here.
        return tuple(self.__dict__.get(f) for f in self.SCHEDULE_FIELDS)

    def save(self, *args, **kwargs):
        # SEQUENCE (RFC 5545) must rise when the time, place or status changes,
        # however the change is made: admin, service or shell.
        snapshot = getattr(self, "_schedule_snapshot", None)
        if snapshot is not None and snapshot != self._schedule():
            self.sequence += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        super().save(*args, **kwargs)
        self._schedule_snapshot = self._schedule()

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def is_online(self) -> bool:
        return self.format in {self.Format.ONLINE, self.Format.HYBRID}

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def registration_closes(self):
        return self.registration_closes_at or self.starts_at


class Session(TimeStampedModel):
    """An item on an event's agenda."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.CharField("room or track", max_length=100, blank=True)
    speakers = models.ManyToManyField(Speaker, blank=True, related_name="sessions")
    sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at", "room", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
                violation_error_message="The session must end after it starts.",
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._schedule_snapshot = instance._schedule()
        return instance

    def _schedule(self):
        return tuple(self.__dict__.get(f) for f in ("starts_at", "ends_at", "room"))

    def save(self, *args, **kwargs):
        snapshot = getattr(self, "_schedule_snapshot", None)
        if snapshot is not None and snapshot != self._schedule():
            self.sequence += 1
        super().save(*args, **kwargs)
        self._schedule_snapshot = self._schedule()


class TicketType(TimeStampedModel):
    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        MEMBER = "member", "Members"
        NON_MEMBER = "non_member", "Non-members"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    price_net = models.DecimalField(
        "net price",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=UK_STANDARD_VAT_RATE,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty to share the event's places."
    )
    on_sale_from = models.DateTimeField(null=True, blank=True)
    on_sale_until = models.DateTimeField(
        null=True, blank=True, help_text="For early-bird prices: the last moment they are sold."
    )
    max_per_booking = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1)]
    )
    hidden = models.BooleanField(
        default=False, help_text="Staff-only tickets, such as complimentary places."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "position", "price_net", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_net__gte=0), name="ticket_type_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(on_sale_until__isnull=True)
                | models.Q(on_sale_from__isnull=True)
                | models.Q(on_sale_until__gt=models.F("on_sale_from")),
                name="ticket_type_sale_ends_after_it_starts",
                violation_error_message="The sale must end after it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.event}: {self.name}"

    @property
    def price(self) -> Price:
        return price(self.price_net, self.vat_rate)

    def on_sale_at(self, moment) -> bool:
        if self.on_sale_from and moment < self.on_sale_from:
            return False
        return not (self.on_sale_until and moment > self.on_sale_until)


def new_ticket_secret() -> str:
    """A random secret for the ticket's QR code: 256 bits, never derived from an id."""
    return secrets.token_urlsafe(32)


class Registration(TimeStampedModel):
    """One delegate's place at an event, held by an order."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending payment"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="registrations"
    )
    order = models.ForeignKey(
        "payments.Order", on_delete=models.PROTECT, related_name="event_registrations"
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(db_index=True)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    dietary = models.TextField("dietary requirements", blank=True)
    access_needs = models.TextField(blank=True)
    attendee_list_consent = models.BooleanField("may appear on the attendee list", default=False)
    ticket_secret = models.CharField(
        max_length=64, unique=True, default=new_ticket_secret, editable=False
    )
    order_line = models.ForeignKey(
        "payments.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_registrations",
        help_text="The line the place was sold on, with its price.",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
        help_text="The delegate's account, when they have one.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    badge_printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["event", "state"])]

    def __str__(self):
        return f"{self.full_name} at {self.event}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RetiredTicketSecret(models.Model):
    """A ticket secret that no longer admits anyone, kept so the door can say why."""

    class Reason(models.TextChoices):
        TRANSFERRED = "transferred", "Transferred to someone else"

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="retired_secrets"
    )
    secret = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.get_reason_display()} ({self.retired_at:%Y-%m-%d})"


class DiscountCode(TimeStampedModel):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        FIXED = "fixed", "Fixed amount off each place (net)"

    code = models.CharField(
        max_length=32, unique=True, help_text="What bookers type. Not case-sensitive."
    )
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Per cent for a percentage; pounds (net) for a fixed amount.",
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discount_codes",
        help_text="Leave empty for a code that works for every event.",
    )
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bookings that may use it. Empty: no limit."
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True)
                | models.Q(times_used__lte=models.F("usage_limit")),
                name="discount_code_not_overused",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="percent") | models.Q(value__lte=100),
                name="discount_code_percent_at_most_100",
                violation_error_message="A percentage cannot be more than 100.",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        if self.kind == self.Kind.PERCENT:
            return f"{self.code}: {self.value.normalize():f}% off"
        return f"{self.code}: £{self.value:.2f} off"


def new_offer_token() -> str:
    return secrets.token_urlsafe(24)


class WaitingListEntry(TimeStampedModel):
    """Someone waiting for a place at a full event; first in line gets the next one."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Place offered"
        BOOKED = "booked", "Booked"
        EXPIRED = "expired", "Offer expired"
        REMOVED = "removed", "Removed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waiting_list")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waiting_list_entries",
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Lower comes first. Staff may reorder."
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.WAITING, db_index=True
    )
    offer_token = models.CharField(
        max_length=64, unique=True, default=new_offer_token, editable=False
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "position", "created_at", "pk"]
        verbose_name_plural = "waiting list entries"
        constraints = [
            models.UniqueConstraint(
                "event",
                "email",
                condition=models.Q(state__in=["waiting", "offered"]),
                name="waiting_list_one_live_entry_per_email",
                violation_error_message="This email address is already on the waiting list.",
            ),
        ]

    def __str__(self):
        return f"{self.email} waiting for {self.event}"


class ReminderSent(models.Model):
    """That a reminder went to a delegate, so that it goes once."""

    class Kind(models.TextChoices):
        WEEK = "week", "7 days before"
        DAY = "day", "1 day before"

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("registration", "kind", name="reminder_sent_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} reminder to {self.registration_id}"


class CheckIn(models.Model):
    """One scan at the door: entry or exit, when, by whom, from which device."""

    class Direction(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkins")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="checkins"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    scanned_at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    device = models.CharField(max_length=100, blank=True)
    # The scanning device's own id for this scan: a retried upload is not a second scan.
    nonce = models.CharField(max_length=64)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scanned_at", "-pk"]
        constraints = [
            models.UniqueConstraint("event", "nonce", name="checkin_nonce_once_per_event"),
        ]
        indexes = [models.Index(fields=["registration", "scanned_at"])]

    def __str__(self):
        return f"{self.get_direction_display()} {self.registration_id} at {self.scanned_at:%H:%M}"


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


class CheckInDevice(TimeStampedModel):
    """A per-event token that staff issue to a scanner (a phone, a kiosk) and revoke."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_devices")
    label = models.CharField(max_length=100, help_text="Which door or desk, e.g. “Main entrance”.")
    token = models.CharField(max_length=64, unique=True, default=new_device_token, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "label"]

    def __str__(self):
        return f"{self.label} ({self.event})"
