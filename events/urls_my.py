"""My bookings, mounted at /my-bookings/ with the namespace "my" (config/urls.py).

The private calendar feed itself is served at /calendar/<token>.ics, outside
this namespace, so that its address stays short and says nothing of bookings.
"""

from django.urls import path

from events.views import invoices
from events.views import my as views

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("places/<int:pk>/", views.place_detail, name="place"),
    path("places/<int:pk>.ics", views.place_ics, name="place_ics"),
    path("places/<int:pk>/qr.svg", views.place_qr, name="place_qr"),
    path("places/<int:pk>/cancel/", views.place_cancel, name="place_cancel"),
    path("places/<int:pk>/transfer/", views.place_transfer, name="place_transfer"),
    path("places/<int:pk>/needs/", views.place_needs, name="place_needs"),
    path("calendar/", views.calendar_address, name="calendar"),
    path("invoices/<str:number>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<str:number>.pdf", invoices.credit_note_pdf, name="credit_note_pdf"),
]
