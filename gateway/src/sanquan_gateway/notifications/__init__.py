"""The notification centre (issue #18): a row per person and event, made by a subscriber of the gateway's event
intake from the event's type and organisation, read by the signed-in person only (``/api/notifications``)."""
