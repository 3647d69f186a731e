"""Decoding errors, one class per stage, so a verifier can say where a QR stopped making sense."""

from __future__ import annotations


class FormatError(ValueError):
    """The input is not a well-formed certificate of the expected format (verifiers report MALFORMED)."""

    stage = "format"


class PrefixError(FormatError):
    stage = "prefix"


class Base45Error(FormatError):
    stage = "base45"


class DecompressionError(FormatError):
    stage = "zlib"


class CoseError(FormatError):
    """Not CBOR, or CBOR that is not a COSE_Sign1 structure."""

    stage = "cose"


class CwtError(FormatError):
    """A COSE_Sign1 whose payload is not a usable CWT / HCERT claim set."""

    stage = "cwt"


class PayloadError(FormatError):
    """A non-HC1 format (DIVOC, SHC, WHO) whose content could not be decoded."""

    stage = "payload"
