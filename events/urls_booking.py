"""Booking pages and the waiting list, under /events/<slug>/ (names are "events:<name>")."""

from django.urls import path

from events.views import booking as views
from events.views import desk

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/delegates/", views.book_delegates, name="book_delegates"),
    path("book/payment/", views.book_payment, name="book_payment"),
    path("book/check/", views.book_check, name="book_check"),
    path("book/done/<str:reference>/", views.book_done, name="book_done"),
    path("waiting-list/", views.waiting_list, name="waiting_list_join"),
    # The check-in desk sits here, not under staff/, for a short address to type on a phone.
    path("checkin/", desk.checkin_desk, name="checkin_desk"),
]
