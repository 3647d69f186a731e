"""Decoding untrusted CBOR: cbor2 6, strict about duplicate map keys, with plain Python containers.

- A map with the same key twice is refused (RFC 8949 section 5.6: such a map is not valid CBOR, and two
  decoders could pick different values for one field). cbor2 >= 6.1 checks it while decoding.
- cbor2 6 decodes the content of a tag (COSE_Sign1 is tag 18) as tuples and `cbor2.frozendict`;
  the callers check `list` / `dict`, so tagged content is turned back into lists and dicts (keys are
  left as decoded: they must stay hashable).
"""

from __future__ import annotations

from typing import Any

import cbor2

MAX_DEPTH = 64  # HC1/CWT structures nest a few levels; far deeper input is an attack, not a certificate


def loads(data: bytes) -> Any:
    """Decode one CBOR item; cbor2.CBORDecodeError (a ValueError) when invalid or a key repeats."""
    return thaw(cbor2.loads(data, allow_duplicate_keys=False, max_depth=MAX_DEPTH))


def thaw(value: Any) -> Any:
    if isinstance(value, cbor2.CBORTag):
        return cbor2.CBORTag(value.tag, thaw(value.value))
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    if isinstance(value, dict | cbor2.frozendict):
        return {k: thaw(v) for k, v in value.items()}
    return value
