from django.urls import path

from events import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="api-event-list"),
    path("events/<slug:slug>/", api.EventDetailView.as_view(), name="api-event-detail"),
]
