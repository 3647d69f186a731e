"""Issuance: VaccinationEvent -> DDCC record -> signed HC1 -> stored certificate -> SMS, exactly once.

Pure domain logic; storage, signing and SMS come in through the ports in `vaxcert.types.ports`.
"""
