from django.conf import settings
from django.db import models

from badges.layouts import DEFAULT_LAYOUT, LAYOUT_CHOICES, LAYOUTS


class BadgeBatch(models.Model):
    """One print run of an event's badges, rendered in the background as one PDF."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    class SortBy(models.TextChoices):
        SURNAME = "surname", "Surname"
        ORGANISATION = "organisation", "Organisation, then surname"

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    layout = models.CharField(max_length=16, choices=LAYOUT_CHOICES, default=DEFAULT_LAYOUT)
    # The filters: which of the event's confirmed places the batch prints.
    ticket_type = models.ForeignKey(
        "events.TicketType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for every ticket type.",
    )
    not_printed = models.BooleanField(
        "only places whose badge has not been printed", default=False
    )
    booked_since = models.DateTimeField(null=True, blank=True)
    sort_by = models.CharField(max_length=16, choices=SortBy.choices, default=SortBy.SURNAME)

    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(default=0, help_text="Badges in the batch.")
    done_count = models.PositiveIntegerField(default=0, help_text="Badges rendered so far.")
    pdf = models.FileField(upload_to="badges/%Y/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "badge batches"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_count__lte=models.F("total")),
                name="badge_batch_done_within_total",
            ),
        ]

    def __str__(self):
        return f"Badges for {self.event}: {self.get_layout_display()} ({self.created_at:%d %b %Y})"

    @property
    def layout_spec(self):
        return LAYOUTS[self.layout]

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}
