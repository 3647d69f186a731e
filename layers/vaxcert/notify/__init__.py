"""Notifications to citizens (SMS through SNS)."""
