from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone

from accounts.models import Organisation, OrganisationDomain, User


class OrganisationDomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


class MembershipCurrentFilter(admin.SimpleListFilter):
    title = "membership in force"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", "In force today"), ("expired", "Expired"), ("no", "Not a member")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        paying = queryset.exclude(membership=Organisation.Membership.NON_MEMBER)
        if self.value() == "yes":
            return paying.filter(membership_expires_on__isnull=True) | paying.filter(
                membership_expires_on__gte=today
            )
        if self.value() == "expired":
            return paying.filter(membership_expires_on__lt=today)
        if self.value() == "no":
            return queryset.filter(membership=Organisation.Membership.NON_MEMBER)
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "membership", "membership_expires_on", "domain_list"]
    list_filter = ["kind", "membership", MembershipCurrentFilter]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganisationDomainInline]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="Email domains")
    def domain_list(self, obj):
        return ", ".join(d.domain for d in obj.domains.all())


@admin.register(OrganisationDomain)
class OrganisationDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "organisation"]
    search_fields = ["domain", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "organisation",
        "member_override",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "member_override"]
    search_fields = ["email", "full_name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "job_title", "organisation", "phone"]}),
        ("Pricing", {"fields": ["member_override"]}),
        (
            "Roles and permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
