from django.urls import path

from events import feeds, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("past/", views.event_past, name="past"),
    path("feed.ics", feeds.events_feed, name="feed"),
    path("<slug:slug>.ics", feeds.event_ics, name="ics"),
    path("<slug:slug>/", views.event_detail, name="detail"),
]
