"""Every write in the academy.

- applications: applying, the sponsor's link, decisions, waiting list, lapsing offers
- enrolments: confirming and paying, cancelling, what order changes do
- attendance: registers and QR scans per module
- certificates: issuing and revoking completion certificates
"""
