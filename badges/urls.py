from django.urls import path

from badges import views

app_name = "badges"

urlpatterns = [
    path("events/<slug:slug>/", views.event_badges, name="event_badges"),
    path("events/<slug:slug>/batches/<int:pk>/", views.batch_detail, name="batch"),
    path(
        "events/<slug:slug>/batches/<int:pk>/status.json",
        views.batch_status_json,
        name="batch_status",
    ),
    path("events/<slug:slug>/batches/<int:pk>/badges.pdf", views.batch_pdf, name="batch_pdf"),
    # The check-in desk links here to print one badge: ?layout=a6|a4-8|cr80 (a6 if none).
    path("places/<int:pk>.pdf", views.badge_pdf, name="badge_pdf"),
]
