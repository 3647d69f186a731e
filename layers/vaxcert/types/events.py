"""The states of a stored vaccination event (the event log's `status`)."""

RECEIVED = "RECEIVED"
QUEUED = "QUEUED"
ISSUED = "ISSUED"
REJECTED = "REJECTED"  # an edit that will never be issued (its certificate was revoked, or too many)
