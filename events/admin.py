from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from events.models import (
    DiscountCode,
    Event,
    Registration,
    Session,
    Speaker,
    TicketType,
    Venue,
    WaitingListEntry,
)
from events.selectors import with_places_taken
from events.services.venues import VENUE_PLACE_FIELDS, venue_moved


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    fields = [("title", "room"), ("starts_at", "ends_at"), "description", "speakers"]
    filter_horizontal = ["speakers"]


class TicketTypeInline(admin.StackedInline):
    model = TicketType
    extra = 0
    fields = [
        ("name", "audience", "position"),
        "description",
        ("price_net", "vat_rate"),
        ("capacity", "max_per_booking", "hidden"),
        ("on_sale_from", "on_sale_until"),
    ]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "starts_at",
        "format",
        "status",
        "places",
        "members_only",
        "preview",
    ]
    list_filter = ["status", "format", "members_only", ("starts_at", admin.DateFieldListFilter)]
    search_fields = ["title", "slug", "summary", "venue__name"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["venue"]
    autocomplete_fields = ["venue"]
    readonly_fields = ["sequence", "created_at", "updated_at"]
    save_on_top = True
    inlines = [TicketTypeInline, SessionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "status", "members_only"]}),
        ("When and where", {"fields": ["starts_at", "ends_at", "format", "venue", "online_link"]}),
        (
            "Registration",
            {
                "fields": [
                    "capacity",
                    ("registration_opens_at", "registration_closes_at"),
                    "cancellation_cutoff_days",
                    "cancellation_policy",
                ]
            },
        ),
        ("Organiser", {"fields": ["organiser_name", "organiser_email"]}),
        ("Calendar", {"fields": ["sequence", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return with_places_taken(super().get_queryset(request), now=timezone.now())

    @admin.display(description="Places taken", ordering="places_taken")
    def places(self, obj):
        return f"{obj.places_taken} / {obj.capacity}"

    @admin.display(description="Page")
    def preview(self, obj):
        label = "Preview" if obj.status == Event.Status.DRAFT else "View"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}<span class="visually-hidden"> {}'
            "</span></a>",
            obj.get_absolute_url(),
            label,
            obj.title,
        )


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "map_url"]
    search_fields = ["name", "address", "postcode"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & set(VENUE_PLACE_FIELDS):
            moved = venue_moved(venue=obj)
            if moved:
                self.message_user(
                    request, f"{moved} upcoming event(s) will move in subscribers' calendars."
                )


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "organisation"]
    search_fields = ["name", "organisation"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "starts_at", "ends_at", "room"]
    list_filter = [("starts_at", admin.DateFieldListFilter)]
    search_fields = ["title", "event__title", "speakers__name"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]
    filter_horizontal = ["speakers"]


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "audience", "price_net", "vat_rate", "capacity", "hidden"]
    list_filter = ["audience", "hidden"]
    search_fields = ["name", "event__title"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "email",
        "organisation",
        "event",
        "ticket_type",
        "state",
        "order",
    ]
    list_filter = ["state", "event"]
    search_fields = ["first_name", "last_name", "email", "organisation", "order__reference"]
    list_select_related = ["event", "ticket_type", "order"]
    readonly_fields = ["event", "ticket_type", "order", "delegate", "created_at", "cancelled_at"]
    exclude = ["ticket_secret"]


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "kind",
        "value",
        "event",
        "times_used",
        "usage_limit",
        "valid_from",
        "valid_until",
        "active",
    ]
    list_filter = ["active", "kind"]
    search_fields = ["code", "description", "event__title"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]
    readonly_fields = ["times_used"]


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "event", "position", "state", "offer_expires_at"]
    list_filter = ["state"]
    search_fields = ["email", "name", "event__title"]
    list_select_related = ["event"]
    readonly_fields = ["offer_token", "offered_at", "offer_expires_at", "created_at"]
    autocomplete_fields = ["event", "user"]
