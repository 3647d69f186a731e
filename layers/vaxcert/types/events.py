"""A stored vaccination event's states (the event log's `status`) and what storing a delivery found."""

from __future__ import annotations

from dataclasses import dataclass

RECEIVED = "RECEIVED"
QUEUED = "QUEUED"
ISSUED = "ISSUED"
REJECTED = "REJECTED"  # an edit that will never be issued (its certificate was revoked, or too many)


@dataclass(frozen=True)
class Recorded:
    created: bool  # False: this (event id, revision) was already stored
    content_hash: str
    status: str
    original_exists: bool
