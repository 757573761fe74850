from django.urls import path

from events import api, api_bookings

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
