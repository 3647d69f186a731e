"""Reading X.509 certificates that are not strict DER, as WHO's validator does.

Real signer certificates break DER in small ways: Japan's ICAO document signer certificate writes
``ecdsa-with-SHA384`` with explicit NULL parameters (RFC 5758: absent), which ``cryptography`` refuses.
``reencode_der`` rebuilds the DER tree with minimal lengths and without those NULLs, so the certificate's
subject, validity and public key can be read. The issuer's signature covers the ORIGINAL TBSCertificate
bytes: ``split_certificate`` returns them untouched for chain checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

# ecdsa-with-SHA224/256/384/512 (1.2.840.10045.4.3.1-4) content octets.
_ECDSA_OIDS = {bytes.fromhex(f"2a8648ce3d0403{n:02x}") for n in range(1, 5)}
_NULL = b"\x05\x00"
_MAX_DEPTH = 24


@dataclass(frozen=True)
class _Node:
    tag: int
    content: bytes  # primitive content, or b"" for constructed
    children: tuple[_Node, ...] | None  # None: primitive


def _read_header(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, content length) of the TLV at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte tags are not used in certificates")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("DER length beyond the data")
    return tag, pos, length


def _parse(data: bytes, depth: int = 0) -> list[_Node]:
    if depth > _MAX_DEPTH:
        raise ValueError("DER nested too deeply")
    nodes, offset = [], 0
    while offset < len(data):
        tag, start, length = _read_header(data, offset)
        content = data[start : start + length]
        if tag & 0x20:  # constructed
            nodes.append(_Node(tag, b"", tuple(_parse(content, depth + 1))))
        else:
            nodes.append(_Node(tag, content, None))
        offset = start + length
    return nodes


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _encode(node: _Node) -> bytes:
    if node.children is None:
        return bytes([node.tag]) + _length(len(node.content)) + node.content
    children = node.children
    is_ecdsa_alg_id = (
        node.tag == 0x30
        and len(children) == 2
        and children[0].tag == 0x06
        and children[0].content in _ECDSA_OIDS
        and children[1].tag == 0x05
    )
    if is_ecdsa_alg_id:
        children = children[:1]
    body = b"".join(_encode(c) for c in children)
    return bytes([node.tag]) + _length(len(body)) + body


def reencode_der(der: bytes) -> bytes:
    """The certificate re-encoded as strict DER (minimal lengths, ECDSA AlgorithmIdentifiers without NULL)."""
    nodes = _parse(der)
    if len(nodes) != 1:
        raise ValueError("not a single DER value")
    return _encode(nodes[0])


def split_certificate(der: bytes) -> tuple[bytes, bytes, bytes]:
    """(TBSCertificate bytes as signed, signature algorithm OID content, signature) of a certificate."""
    tag, start, length = _read_header(der, 0)
    if tag != 0x30:
        raise ValueError("a certificate is a SEQUENCE")
    body = der[start : start + length]
    tbs_tag, tbs_start, tbs_length = _read_header(body, 0)
    tbs = body[: tbs_start + tbs_length]
    rest = _parse(body[tbs_start + tbs_length :])
    if tbs_tag != 0x30 or len(rest) != 2 or rest[0].children is None or rest[1].tag != 0x03:
        raise ValueError("not a Certificate")
    algorithm = rest[0].children[0]
    if algorithm.tag != 0x06 or not rest[1].content or rest[1].content[0] != 0:
        raise ValueError("unreadable signature algorithm or value")
    return tbs, algorithm.content, rest[1].content[1:]


def load_certificate(der: bytes) -> x509.Certificate:
    """An X.509 certificate, read leniently: some real signer certificates are not strict DER."""
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return x509.load_der_x509_certificate(reencode_der(der))
