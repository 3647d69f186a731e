"""Facility staff: search for walk-ins and print their certificates."""
