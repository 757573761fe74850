from django.contrib import admin

from badges.models import BadgeBatch


@admin.register(BadgeBatch)
class BadgeBatchAdmin(admin.ModelAdmin):
    """Batches are made on the badge pages and rendered by a task: here they are only read."""

    list_display = ["event", "layout", "state", "done_count", "total", "created_by", "created_at"]
    list_filter = ["state", "layout"]
    list_select_related = ["event", "created_by"]
    search_fields = ["event__title", "event__slug"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in BadgeBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
