"""`make bench`: issuance, verification, PDF, cold-start and artefact-size figures as one JSON document.

Each figure is measured in the same run as its baseline (one ECDSA P-256 sign or verify), so the ratios
hold on a noisy machine. Progress goes to stderr; stdout carries only the JSON. See docs/performance.md.
"""
