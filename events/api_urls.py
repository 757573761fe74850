from django.urls import path

from events import api, api_bookings, api_checkin

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="api-event-list"),
    path("events/<slug:slug>/", api.EventDetailView.as_view(), name="api-event-detail"),
]

urlpatterns += [
    path("bookings/", api_bookings.BookingListCreateView.as_view(), name="api-booking-list"),
    path(
        "bookings/<str:reference>/",
        api_bookings.BookingDetailView.as_view(),
        name="api-booking-detail",
    ),
    path(
        "bookings/<str:reference>/cancel/",
        api_bookings.BookingCancelView.as_view(),
        name="api-booking-cancel",
    ),
    path(
        "places/<int:pk>/transfer/",
        api_bookings.PlaceTransferView.as_view(),
        name="api-place-transfer",
    ),
]

urlpatterns += [
    path(
        "events/<slug:slug>/checkins/",
        api_checkin.CheckInCreateView.as_view(),
        name="api-checkin-create",
    ),
    path(
        "events/<slug:slug>/checkins/summary/",
        api_checkin.CheckInSummaryView.as_view(),
        name="api-checkin-summary",
    ),
    path(
        "events/<slug:slug>/attendees/",
        api_checkin.AttendeeListView.as_view(),
        name="api-checkin-attendees",
    ),
    path(
        "events/<slug:slug>/attendees/offline/",
        api_checkin.OfflineAttendeeListView.as_view(),
        name="api-checkin-offline",
    ),
    path(
        "checkins/<int:pk>/undo/", api_checkin.CheckInUndoView.as_view(), name="api-checkin-undo"
    ),
]
