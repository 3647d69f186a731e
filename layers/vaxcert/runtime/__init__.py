"""Composition: process-wide wiring (settings and tables bound once per cold start) and each function's
lazily built composition root."""
