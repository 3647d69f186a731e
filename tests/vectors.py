"""Our own test vectors for every format we verify, signed with keys made here (never real issuers' keys).

Reusable by any test (unit, e2e, browser): each builder returns the QR text and the trust material a
verifier needs (keys as JWKs / PEM / certificates), plus tampered variants. Keys are generated once per
process (RSA generation is slow) and are deterministic in shape, not in value.
"""

from __future__ import annotations

import base64
import copy
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from vaxcert.formats import base45, cose
from vaxcert.formats.cose import der_to_raw_ecdsa
from vaxcert.formats.divoc import encode_divoc, sign_divoc_credential
from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.formats.icao_vds import encode_seal
from vaxcert.formats.shc import encode_shc
from vaxcert.trust.keys import jwk_from_public_key, thumbprint
from vaxcert.verification.trust import InMemoryTrustStore

DIVOC_DID = "did:jamaica"
DIVOC_RSA_DID = "did:jamaica:rsa"


@cache
def divoc_ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@cache
def divoc_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def divoc_credential(
    *,
    name: str = "Marcia Campbell",
    dob: str = "1984-03-07",
    certificate_id: str = "891244125",
    effective_until: str = "2031-12-14",
    effective_start: str = "2021-12-14",
) -> dict[str, Any]:
    """An unsigned DIVOC 1.24-style (Jamaica) ProofOfVaccinationCredential."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://cowin.gov.in/credentials/vaccination/v2",
        ],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": "",
            "refId": "9874S1445691",
            "name": name,
            "gender": "Female",
            "dob": dob,
        },
        "issuer": "https://www.moh.gov.jm",
        "issuanceDate": "2021-12-17T18:41:49.791Z",
        "evidence": [
            {
                "id": f"https://www.moh.gov.jm/vaccine/{certificate_id}",
                "certificateId": certificate_id,
                "type": ["Vaccination"],
                "batch": "FK5127",
                "vaccine": "Pfizer",
                "manufacturer": "Pfizer-BioNTech",
                "icd11Code": "XM0GQ8",
                "prophylaxis": "COVID-19 vaccine, mRNA based vaccine",
                "date": "2021-12-14",
                "effectiveStart": effective_start,
                "effectiveUntil": effective_until,
                "dose": 2,
                "totalDoses": 2,
                "verifier": {"name": "Brown, Nadine"},
                "facility": {"name": "St. Jago Park Health Centre", "address": {"addressCountry": "JAM"}},
            }
        ],
        "nonTransferable": "true",
    }


@dataclass(frozen=True)
class DivocVector:
    credential: dict[str, Any]  # signed
    qr: str
    verification_method: str
    public_key_pem: str


def divoc_vector(key_type: str = "Ed25519", **fields: Any) -> DivocVector:
    """A DIVOC QR signed with our own Ed25519 (``did:jamaica``) or RSA (``did:jamaica:rsa``) key."""
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
    key, method = (
        (divoc_ed25519_key(), DIVOC_DID) if key_type == "Ed25519" else (divoc_rsa_key(), DIVOC_RSA_DID)
    )
    signed = sign_divoc_credential(
        divoc_credential(**fields), key, method, created=datetime(2021, 12, 17, 18, 41, 49, tzinfo=UTC)
    )
    return DivocVector(signed, encode_divoc(signed), method, public_pem(key))


def tampered_divoc(vector: DivocVector) -> str:
    """The same signed credential with the holder's date of birth changed: the signature must fail."""
    credential = copy.deepcopy(vector.credential)
    credential["credentialSubject"]["dob"] = "1985-03-07"
    return encode_divoc(credential)


# --- SMART Health Cards: our own issuer ---------------------------------------------------------------

SHC_ISSUER = "https://shc.vaxcert.test/issuer"


@cache
def shc_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def shc_jwk() -> dict[str, Any]:
    """The issuer's public JWK as ``<iss>/.well-known/jwks.json`` publishes it (kid = RFC 7638 thumbprint)."""
    jwk = jwk_from_public_key(shc_key().public_key())
    return {**jwk, "kid": thumbprint(jwk), "use": "sig", "alg": "ES256"}


def shc_jwks() -> dict[str, Any]:
    return {"keys": [shc_jwk()]}


def shc_payload(
    *, name: tuple[str, str] = ("Marcia", "Campbell"), dob: str = "1984-03-07", rid: str | None = None
) -> dict[str, Any]:
    immunizations = [
        {
            "fullUrl": f"resource:{n}",
            "resource": {
                "resourceType": "Immunization",
                "status": "completed",
                "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
                "patient": {"reference": "resource:0"},
                "occurrenceDateTime": day,
                "lotNumber": "FK5127",
            },
        }
        for n, day in ((1, "2021-12-14"), (2, "2022-01-04"))
    ]
    vc: dict[str, Any] = {
        "type": ["https://smarthealth.cards#health-card", "https://smarthealth.cards#immunization"],
        "credentialSubject": {
            "fhirVersion": "4.0.1",
            "fhirBundle": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "fullUrl": "resource:0",
                        "resource": {
                            "resourceType": "Patient",
                            "name": [{"family": name[1], "given": [name[0]]}],
                            "birthDate": dob,
                        },
                    },
                    *immunizations,
                ],
            },
        },
    }
    if rid:
        vc["rid"] = rid
    return {"iss": SHC_ISSUER, "nbf": 1_639_500_000, "vc": vc}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def shc_jws(payload: dict[str, Any] | None = None, key: ec.EllipticCurvePrivateKey | None = None) -> str:
    key = key or shc_key()
    jwk = jwk_from_public_key(key.public_key())
    header = _b64url(json.dumps({"zip": "DEF", "alg": "ES256", "kid": thumbprint(jwk)}).encode())
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = json.dumps(payload or shc_payload(), separators=(",", ":")).encode()
    body = _b64url(deflater.compress(raw) + deflater.flush())
    signature = der_to_raw_ecdsa(key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{header}.{body}.{_b64url(signature)}"


def shc_qr(payload: dict[str, Any] | None = None, key: ec.EllipticCurvePrivateKey | None = None) -> str:
    (qr,) = encode_shc(shc_jws(payload, key))
    return qr


def shc_chunked_qrs(payload: dict[str, Any] | None = None) -> list[str]:
    """The same card split over QR codes (as cards too large for one QR are)."""
    jws = shc_jws(payload)
    return encode_shc(jws, max_chunk=len(jws) // 2 + 1)


def tampered_shc() -> str:
    """A card whose payload was swapped for another (unsigned) one under the original signature."""
    header, _, signature = shc_jws().split(".")
    _, other, _ = shc_jws(shc_payload(dob="1985-03-07"), ec.generate_private_key(ec.SECP256R1())).split(".")
    (qr,) = encode_shc(f"{header}.{other}.{signature}")
    return qr


# --- ICAO VDS-NC: seals from our own CSCA -------------------------------------------------------------


@dataclass(frozen=True)
class IcaoAuthority:
    csca_key: Any
    csca_der: bytes
    signer_key: ec.EllipticCurvePrivateKey
    signer_der: bytes


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@cache
def icao_authority(csca_type: str = "EC", country: str = "JM") -> IcaoAuthority:
    """A CSCA (EC P-256 or RSA 2048) and a document signer certificate it issued, valid 2021-2031."""
    csca_key: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if csca_type == "EC"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    start, end = datetime(2021, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    csca_name = _name(country, f"{country} test CSCA ({csca_type})")
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name)
        .issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(csca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(country, f"{country} test health proof signer"))
        .issuer_name(csca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(csca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    return IcaoAuthority(csca_key, csca.public_bytes(der), signer_key, signer.public_bytes(der))


def icao_data(
    *, name: str = "CAMPBELL MARCIA", dob: str = "1984-03-07", issuer: str = "JAM"
) -> dict[str, Any]:
    return {
        "hdr": {"is": issuer, "t": "icao.vacc", "v": 1},
        "msg": {
            "pid": {"dob": dob, "n": name, "i": "PA1234567", "sex": "F"},
            "uvci": "JM0000001234",
            "ve": [
                {
                    "des": "XM0GQ8",
                    "dis": "RA01.0",
                    "nam": "Comirnaty",
                    "vd": [
                        {
                            "adm": "St. Jago Park Health Centre",
                            "ctr": "JAM",
                            "dvc": d,
                            "lot": "FK5127",
                            "seq": n,
                        }
                        for n, d in ((1, "2021-12-14"), (2, "2022-01-04"))
                    ],
                }
            ],
        },
    }


def icao_seal(csca_type: str = "EC", data: dict[str, Any] | None = None) -> str:
    authority = icao_authority(csca_type)

    def sign(message: bytes) -> bytes:
        return der_to_raw_ecdsa(authority.signer_key.sign(message, ec.ECDSA(hashes.SHA256())))

    return encode_seal(data or icao_data(), sign, authority.signer_der)


def tampered_icao(csca_type: str = "EC") -> str:
    seal = json.loads(icao_seal(csca_type))
    seal["data"]["msg"]["pid"]["dob"] = "1985-03-07"
    return json.dumps(seal)


def icao_seal_with_foreign_signer() -> str:
    """A seal signed correctly by a signer certificate that the trusted CSCA did not issue."""
    other = ec.generate_private_key(ec.SECP256R1())
    name = _name("JM", "impostor")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(_name("JM", "JM test CSCA (EC)"))
        .public_key(other.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2021, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2031, 1, 1, tzinfo=UTC))
        .sign(other, hashes.SHA256())
    )
    return encode_seal(
        icao_data(),
        lambda m: der_to_raw_ecdsa(other.sign(m, ec.ECDSA(hashes.SHA256()))),
        cert.public_bytes(serialization.Encoding.DER),
    )


# --- trust material for every vector, as our GET /v1/trust-list publishes it --------------------------


def trust_list_entries() -> list[dict[str, Any]]:
    """Trust-list entries (the GET /v1/trust-list shape) for every key here: HC1 DSCs (EC, RSA), DIVOC
    Ed25519 and RSA, the SHC issuer, and the EC and RSA ICAO CSCAs."""
    entries: list[dict[str, Any]] = hc1_trust_entries()
    for key, did in ((divoc_ed25519_key(), DIVOC_DID), (divoc_rsa_key(), DIVOC_RSA_DID)):
        jwk = {**jwk_from_public_key(key.public_key()), "kid": did}
        entries.append(_bare_entry("divoc", did, jwk, country="JM"))
    entries.append({**_bare_entry("shc", shc_jwk()["kid"], shc_jwk()), "issuer": SHC_ISSUER})
    for csca_type in ("EC", "RSA"):
        authority = icao_authority(csca_type)
        entries.append(
            {
                "kid": f"JM-CSCA-{csca_type}",
                "country": "JM",
                "certificateType": "CSCA",
                "rawData": base64.b64encode(authority.csca_der).decode(),
                "notBefore": "2021-01-01T00:00:00+00:00",
                "notAfter": "2031-01-01T00:00:00+00:00",
                "framework": "icao",
                "jwk": jwk_from_public_key(authority.csca_key.public_key()),
            }
        )
    return entries


def _bare_entry(framework: str, kid: str, jwk: dict[str, Any], country: str | None = None) -> dict[str, Any]:
    return {
        "kid": kid,
        "country": country,
        "certificateType": "DSC",
        "notBefore": None,
        "notAfter": None,
        "framework": framework,
        "jwk": jwk,
    }


def trust_store() -> InMemoryTrustStore:
    return InMemoryTrustStore.from_trust_list({"certificates": trust_list_entries()})


def all_vectors() -> dict[str, tuple[str, str]]:
    """name -> (QR text, expected status with trust_store()): valid and tampered for every format/key type."""
    return {
        "hc1-es256": (hc1_qr("EC"), "VALID"),
        "hc1-ps256": (hc1_qr("RSA"), "VALID"),
        "hc1-tampered": (tampered_hc1(hc1_qr("EC")), "SIGNATURE_INVALID"),
        "who": (who_qr(), "VALID"),
        "who-tampered": (tampered_hc1(who_qr()), "SIGNATURE_INVALID"),
        "divoc-ed25519": (divoc_vector("Ed25519").qr, "VALID"),
        "divoc-rsa": (divoc_vector("RSA").qr, "VALID"),
        "divoc-ed25519-tampered": (tampered_divoc(divoc_vector("Ed25519")), "SIGNATURE_INVALID"),
        "divoc-rsa-tampered": (tampered_divoc(divoc_vector("RSA")), "SIGNATURE_INVALID"),
        "shc": (shc_qr(), "VALID"),
        "shc-chunked": ("\n".join(shc_chunked_qrs()), "VALID"),
        "shc-tampered": (tampered_shc(), "SIGNATURE_INVALID"),
        "icao-ec-csca": (icao_seal("EC"), "VALID"),
        "icao-rsa-csca": (icao_seal("RSA"), "VALID"),
        "icao-non-strict-signer": (icao_seal_non_strict_signer(), "VALID"),
        "icao-tampered": (tampered_icao("EC"), "SIGNATURE_INVALID"),
        "icao-foreign-signer": (icao_seal_with_foreign_signer(), "SIGNATURE_INVALID"),
    }


def _der(tag: int, body: bytes) -> bytes:
    length = bytes([len(body)]) if len(body) < 0x80 else bytes([0x82]) + len(body).to_bytes(2, "big")
    return bytes([tag]) + length + body


def non_strict_signer_certificate() -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """A signer certificate issued by the EC test CSCA that writes ecdsa-with-SHA256 WITH NULL parameters
    (as Japan's real one does for SHA-384): not strict DER, refused by ``cryptography``, signed over that
    very TBSCertificate by the CSCA."""
    authority = icao_authority("EC")
    strict = x509.load_der_x509_certificate(authority.signer_der)
    alg_strict = bytes.fromhex("300a06082a8648ce3d040302")
    alg_null = bytes.fromhex("300c06082a8648ce3d0403020500")
    tbs_body = strict.tbs_certificate_bytes
    # tbs = SEQUENCE { [0] version, serial, signature AlgorithmIdentifier, ... }: swap the first AlgId.
    assert alg_strict in tbs_body
    header_length = 4 if tbs_body[1] == 0x82 else (3 if tbs_body[1] == 0x81 else 2)
    inner = tbs_body[header_length:].replace(alg_strict, alg_null, 1)
    tbs = _der(0x30, inner)
    signature = authority.csca_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    der = _der(0x30, tbs + alg_null + _der(0x03, b"\x00" + signature))
    return der, authority.signer_key


def icao_seal_non_strict_signer() -> str:
    der, key = non_strict_signer_certificate()
    return encode_seal(icao_data(), lambda m: der_to_raw_ecdsa(key.sign(m, ec.ECDSA(hashes.SHA256()))), der)


# --- HC1 (EU DCC) and WHO DDCC:VS in HC1: our own DSCs (ES256 and PS256) -------------------------------


@cache
def hc1_dsc(key_type: str = "EC") -> tuple[Any, bytes]:
    """(private key, DER DSC) of a self-signed JM DSC, valid 2021-2031."""
    key: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if key_type == "EC"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    name = _name("JM", f"JM test DSC ({key_type})")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2021, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2031, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


def _cose_hc1(claims: dict[Any, Any], key_type: str) -> str:
    key, der = hc1_dsc(key_type)
    alg = cose.ES256 if key_type == "EC" else cose.PS256

    def sign(data: bytes) -> bytes:
        if key_type == "EC":
            return der_to_raw_ecdsa(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return bytes(key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()))

    signed = cose.sign1(cbor2.dumps(claims), kid=kid_for_certificate(der), sign=sign, alg=alg)
    return "HC1:" + base45.encode(zlib.compress(signed, 9))


def hc1_qr(key_type: str = "EC", *, dob: str = "1984-03-07") -> str:
    """An EU DCC 1.3 vaccination certificate (ES256 with an EC DSC, PS256 with an RSA DSC)."""
    eu = {
        "ver": "1.3.0",
        "nam": {"fn": "Campbell", "fnt": "CAMPBELL", "gn": "Marcia", "gnt": "MARCIA"},
        "dob": dob,
        "v": [
            {
                "tg": "840539006",
                "vp": "1119349007",
                "mp": "EU/1/20/1528",
                "ma": "ORG-100030215",
                "dn": 2,
                "sd": 2,
                "dt": "2022-01-04",
                "co": "JM",
                "is": "Ministry of Health, Jamaica",
                "ci": "URN:UVCI:01:JM:VECTOR0001",
            }
        ],
    }
    claims = {1: "JM", 4: 1_924_992_000, 6: 1_641_254_400, -260: {1: eu}}  # 2021-2031
    return _cose_hc1(claims, key_type)


def who_qr(*, dob: str = "1984-03-07") -> str:
    """WHO's DDCC:VS QR: the HC1 envelope around the flat DDCC:VS claim map, signed by the EC DSC."""
    claims = {
        "name": "Marcia Campbell",
        "birthDate": dob,
        "hcid": "JM-VECTOR-0001",
        "vaccine": {"code": "XM0GQ8", "system": "http://id.who.int/icd11/mms"},
        "brand": {"code": "XM8NQ0", "system": "http://id.who.int/icd11/mms"},
        "lot": "FK5127",
        "date": "2022-01-04",
        "dose": 2,
        "total_doses": 2,
        "country": {"code": "JAM", "system": "urn:iso:std:iso:3166"},
        "centre": "St. Jago Park Health Centre",
        "valid_from": "2022-01-04",
    }
    return _cose_hc1(claims, "EC")


def tampered_hc1(qr: str) -> str:
    """The same COSE signature over a changed payload (date of birth)."""
    sign1 = cbor2.loads(zlib.decompress(base45.decode(qr[4:])))
    body = sign1.value if isinstance(sign1, cbor2.CBORTag) else sign1
    payload = body[2].replace(b"1984-03-07", b"1985-03-07")
    assert payload != body[2]
    tampered = cbor2.dumps(cbor2.CBORTag(18, [body[0], body[1], payload, body[3]]))
    return "HC1:" + base45.encode(zlib.compress(tampered, 9))


def hc1_trust_entries() -> list[dict[str, Any]]:
    entries = []
    for key_type in ("EC", "RSA"):
        _, der = hc1_dsc(key_type)
        cert = x509.load_der_x509_certificate(der)
        entries.append(
            {
                "kid": base64.b64encode(kid_for_certificate(der)).decode(),
                "country": "JM",
                "certificateType": "DSC",
                "rawData": base64.b64encode(der).decode(),
                "notBefore": cert.not_valid_before_utc.isoformat(),
                "notAfter": cert.not_valid_after_utc.isoformat(),
                "framework": "hc1",
                "jwk": jwk_from_public_key(cert.public_key()),
            }
        )
    return entries
