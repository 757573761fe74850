"""The academy in the admin: programmes and cohorts are set up here; the rest is for looking.

Applications, enrolments, attendance and certificates change state only
through academy.services (the academy desk's pages), which lock, count places
and email people. Here an application's own details can be corrected; its
state, and everything about enrolments, attendance and certificates, is
read-only.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from academy.models import (
    Application,
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    Module,
    Programme,
)
from academy.selectors import cohort_places_left, cohorts_with_places
from academy.services.cohorts import cohort_modules_moved


def _link(url: str, label: str, hidden: str):
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}<span class="visually-hidden"> {}'
        "</span></a>",
        url,
        label,
        hidden,
    )


class CohortFilter(admin.SimpleListFilter):
    """Filter by cohort, named with its programme, in one query."""

    title = "cohort"
    parameter_name = "cohort"
    field = "cohort"

    def lookups(self, request, model_admin):
        cohorts = Cohort.objects.select_related("programme").order_by("programme", "-starts_on")
        return [(str(cohort.pk), str(cohort)) for cohort in cohorts]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}__pk": self.value()})
        return queryset


class ModuleCohortFilter(CohortFilter):
    field = "module__cohort"


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no adding, changing or deleting, whoever asks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0
    fields = ["name", "starts_on", "ends_on", "status", "capacity"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "level",
        "completion",
        "requires_sponsor",
        "is_published",
        "position",
        "preview",
    ]
    list_filter = ["is_published", "level", "requires_sponsor", "completion_rule"]
    search_fields = ["title", "slug", "summary", "delivery_partner"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    save_on_top = True
    inlines = [CohortInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "is_published", "position"]}),
        (
            "Who and what",
            {"fields": ["audience", "level", "learning_outcomes", "duration", "delivery_partner"]},
        ),
        (
            "Applying and completing",
            {"fields": ["requires_sponsor", ("completion_rule", "minimum_modules")]},
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Completion", ordering="completion_rule")
    def completion(self, obj):
        if obj.completion_rule == Programme.CompletionRule.AT_LEAST:
            return f"At least {obj.minimum_modules} modules"
        return obj.get_completion_rule_display()

    @admin.display(description="Page")
    def preview(self, obj):
        # Programme managers see drafts on the public page, marked as previews.
        return _link(obj.get_absolute_url(), "View" if obj.is_published else "Preview", obj.title)


class ModuleInline(admin.StackedInline):
    model = Module
    extra = 0
    fields = [
        "title",
        ("starts_at", "ends_at"),
        ("venue", "facilitator"),
        "online_link",
        "description",
        "sequence",
    ]
    readonly_fields = ["sequence"]


# A cohort's place is its modules' LOCATION in calendars, unless a module has its own.
COHORT_PLACE_FIELDS = {"venue", "venue_address"}


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "programme",
        "starts_on",
        "ends_on",
        "status",
        "capacity",
        "places",
        "module_count",
        "applications_close_at",
    ]
    list_filter = ["status", "delivery", "programme", ("starts_on", admin.DateFieldListFilter)]
    search_fields = ["name", "slug", "programme__title", "venue"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["programme"]
    autocomplete_fields = ["programme"]
    readonly_fields = ["created_at", "updated_at"]
    save_on_top = True
    inlines = [ModuleInline]
    fieldsets = [
        (None, {"fields": ["programme", "name", "slug", "status"]}),
        (
            "When and where",
            {"fields": [("starts_on", "ends_on"), "delivery", "venue", "venue_address"]},
        ),
        (
            "Places and price",
            {
                "fields": [
                    "capacity",
                    ("member_price_net", "price_net", "vat_rate"),
                    "applications_close_at",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return cohorts_with_places(super().get_queryset(request), now=timezone.now())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and COHORT_PLACE_FIELDS & set(form.changed_data):
            moved = cohort_modules_moved(cohort=obj)
            if moved:
                self.message_user(request, f"{moved} module(s) will move in delegates' calendars.")

    @admin.display(description="Places taken", ordering="taken")
    def places(self, obj):
        return f"{obj.taken} / {obj.capacity} ({cohort_places_left(obj)} left)"

    @admin.display(description="Modules", ordering="module_count")
    def module_count(self, obj):
        return obj.module_count


# Fields that record where an application stands; only academy.services change them.
APPLICATION_STATE_FIELDS = [
    "cohort",
    "applicant",
    "state",
    "submitted_at",
    "consent",
    "sponsor_decision",
    "sponsor_comment",
    "sponsor_decided_at",
    "sponsor_emailed_at",
    "decided_at",
    "decided_by",
    "decision_reason",
    "waiting_since",
    "offer_expires_at",
    "created_at",
    "updated_at",
]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "email",
        "organisation",
        "cohort",
        "state",
        "sponsor_decision",
        "submitted_at",
    ]
    list_filter = ["state", "sponsor_decision", "cohort__programme", CohortFilter]
    search_fields = [
        "full_name",
        "email",
        "organisation",
        "role",
        "sponsor_name",
        "sponsor_email",
    ]
    date_hierarchy = "submitted_at"
    list_select_related = ["cohort__programme"]
    readonly_fields = APPLICATION_STATE_FIELDS
    fieldsets = [
        ("Where it stands", {"fields": ["cohort", "applicant", "state", "submitted_at"]}),
        (
            "Applicant",
            {
                "fields": [
                    "full_name",
                    "email",
                    "role",
                    "organisation",
                    "time_in_role",
                    "motivation",
                    "access_needs",
                    "consent",
                ]
            },
        ),
        (
            "Sponsor",
            {
                "fields": [
                    "sponsor_name",
                    "sponsor_email",
                    "sponsor_decision",
                    "sponsor_comment",
                    "sponsor_decided_at",
                    "sponsor_emailed_at",
                ]
            },
        ),
        (
            "Decision",
            {
                "fields": [
                    "decided_at",
                    "decided_by",
                    "decision_reason",
                    "waiting_since",
                    "offer_expires_at",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        # Applications are made on the apply page or through the API.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "cohort", "state", "order", "confirmed_at", "cancelled_at"]
    list_filter = ["state", "cohort__programme", CohortFilter]
    search_fields = [
        "application__full_name",
        "application__email",
        "application__organisation",
        "order__reference",
    ]
    list_select_related = ["application", "cohort__programme", "order"]
    exclude = ["qr_secret"]

    @admin.display(description="Delegate", ordering="application__full_name")
    def full_name(self, obj):
        return obj.application.full_name


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["delegate", "module", "cohort", "status", "method", "recorded_at"]
    list_filter = ["status", "method", ModuleCohortFilter]
    search_fields = ["enrolment__application__full_name", "module__title"]
    list_select_related = ["enrolment__application", "module__cohort__programme"]

    @admin.display(description="Delegate", ordering="enrolment__application__full_name")
    def delegate(self, obj):
        return obj.enrolment.application.full_name

    @admin.display(description="Cohort", ordering="module__cohort")
    def cohort(self, obj):
        return obj.module.cohort


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "delegate_name",
        "programme_title",
        "cohort_name",
        "completed_on",
        "valid",
        "verify",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "programme_title"]
    search_fields = ["code", "delegate_name", "programme_title", "cohort_name"]
    date_hierarchy = "issued_at"

    @admin.display(description="Valid", boolean=True, ordering="revoked_at")
    def valid(self, obj):
        return obj.is_valid

    @admin.display(description="Public page")
    def verify(self, obj):
        return _link(obj.get_absolute_url(), "Verify", obj.code)
