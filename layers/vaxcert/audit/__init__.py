"""Append-only audit trail of who saw which certificate."""
