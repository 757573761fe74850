"""The staff desk for one event, under /events/<slug>/staff/ (names "events:staff_*")."""

from django.urls import path

from events.views import attendance, devices, staff

urlpatterns = [
    path("", staff.staff_event, name="staff_event"),
    path("attendees/", staff.staff_attendees, name="staff_attendees"),
    path("attendees.csv", staff.staff_attendees_csv, name="staff_attendees_csv"),
    path("comps/", staff.staff_comp, name="staff_comp"),
    path("places/<int:pk>/cancel/", staff.staff_cancel, name="staff_cancel"),
    path("email/", staff.staff_email, name="staff_email"),
    path("waiting-list/", staff.staff_waiting_list, name="staff_waiting_list"),
    path("waiting-list/offer/", staff.staff_waiting_offer, name="staff_waiting_offer"),
    path("waiting-list/<int:pk>/move/", staff.staff_waiting_move, name="staff_waiting_move"),
    path("waiting-list/<int:pk>/remove/", staff.staff_waiting_remove, name="staff_waiting_remove"),
]

# Check-in devices and the attendance report (events/views/devices.py, attendance.py).
urlpatterns += [
    path("devices/", devices.staff_devices, name="staff_devices"),
    path("devices/<int:pk>/revoke/", devices.staff_device_revoke, name="staff_device_revoke"),
    path("attendance/", attendance.staff_attendance, name="staff_attendance"),
    path("attendance.csv", attendance.staff_attendance_csv, name="staff_attendance_csv"),
]
