from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views
from events.views.my import personal_calendar

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("events.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("academy.api_urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("events/", include("events.urls")),
    path("my-bookings/", include(("events.urls_my", "my"), namespace="my")),
    path("calendar/<str:token>.ics", personal_calendar, name="personal-calendar"),
    path("academy/", include("academy.urls")),
    path("payments/", include("payments.urls")),
    path("finance/", include(("payments.finance_urls", "finance"), namespace="finance")),
    path("badges/", include("badges.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

admin.site.site_header = "Events and Academy administration"
admin.site.site_title = "Events and Academy admin"
