"""Every write to events, places and the waiting list, one module per area:

- venues: venue changes that move events in calendars
- booking: creating orders of places, under the event's row lock
- places: cancelling, transferring and editing a delegate's place
- waiting_list: joining, offering freed places, expiring offers, reordering
"""
