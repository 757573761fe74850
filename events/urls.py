from django.urls import include, path

from events import feeds
from events.views import public as views
from events.views import staff

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("past/", views.event_past, name="past"),
    path("feed.ics", feeds.events_feed, name="feed"),
    path("staff/", staff.staff_index, name="staff_index"),
    path("<slug:slug>.ics", feeds.event_ics, name="ics"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    # Booking, the waiting list (events/urls_booking.py) and the staff desk
    # for one event (events/urls_staff.py).
    path("<slug:slug>/", include("events.urls_booking")),
    path("<slug:slug>/staff/", include("events.urls_staff")),
]
