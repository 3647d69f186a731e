"""Citizen portal: OTP login, session tokens, own certificates."""
