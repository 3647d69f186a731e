"""Test vectors for the web verifier, made with our own keys (Python `cryptography`, pyld), independent of
the page's JavaScript: SMART Health Cards, DIVOC credentials (Ed25519 and RSA), their trust-list entries in
the `GET /v1/trust-list` contract, and phone-like pictures of QR codes (photo of a screen; camera .y4m)."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import random
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from PIL import Image, ImageDraw, ImageFilter

from tests.conformance_data import conformance_path

# ---------------------------------------------------------------- encodings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_int(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def raw_ecdsa(der: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _window() -> tuple[str, str]:
    now = datetime.now(UTC)
    return (now - timedelta(days=30)).isoformat(), (now + timedelta(days=365)).isoformat()


# ---------------------------------------------------------------- SMART Health Cards


class ShcIssuer:
    """An SHC issuer of our own: a P-256 key, its JWK (kid = RFC 7638 thumbprint) and cards it signs."""

    def __init__(self, iss: str = "https://shc.example.test/issuer") -> None:
        self.iss = iss
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }
        members = json.dumps({k: self.jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
        self.kid = b64url(hashlib.sha256(members.encode()).digest())

    def trust_entry(self) -> dict[str, Any]:
        not_before, not_after = _window()
        return {
            "kid": self.kid,
            "country": "US",
            "certificateType": "DSC",
            "framework": "shc",
            "issuer": self.iss,
            "notBefore": not_before,
            "notAfter": not_after,
            "jwk": {**self.jwk, "kid": self.kid, "use": "sig", "alg": "ES256"},
        }

    def payload(
        self, *, given: str = "Marcia", family: str = "Campbell", nbf: int | None = None
    ) -> dict[str, Any]:
        immunization = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": "2021-06-01",
            "lotNumber": "EW0182",
        }
        second = {**immunization, "occurrenceDateTime": "2021-06-22", "lotNumber": "EW0199"}
        return {
            "iss": self.iss,
            "nbf": nbf if nbf is not None else int(datetime.now(UTC).timestamp()) - 86400,
            "vc": {
                "type": ["https://smarthealth.cards#health-card"],
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
                                    "name": [{"family": family, "given": [given]}],
                                    "birthDate": "1979-11-02",
                                },
                            },
                            {"fullUrl": "resource:1", "resource": immunization},
                            {"fullUrl": "resource:2", "resource": second},
                        ],
                    },
                },
            },
        }

    def jws(self, payload: dict[str, Any]) -> str:
        header = b64url(json.dumps({"zip": "DEF", "alg": "ES256", "kid": self.kid}).encode())
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = deflater.compress(json.dumps(payload, separators=(",", ":")).encode()) + deflater.flush()
        signing_input = f"{header}.{b64url(raw)}"
        signature = raw_ecdsa(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{b64url(signature)}"

    def qr(self, payload: dict[str, Any] | None = None) -> str:
        return shc_qr(self.jws(payload or self.payload()))


def shc_qr(jws: str) -> str:
    return "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)


def shc_chunks(jws: str, parts: int) -> list[str]:
    size = -(-len(jws) // parts)
    pieces = [jws[i : i + size] for i in range(0, len(jws), size)]
    return [
        f"shc:/{i}/{len(pieces)}/" + "".join(f"{ord(c) - 45:02d}" for c in piece)
        for i, piece in enumerate(pieces, 1)
    ]


def tampered_shc(issuer: ShcIssuer) -> str:
    """A card whose content was changed after signing (the signature of the original kept)."""
    good = issuer.jws(issuer.payload()).split(".")
    forged = issuer.jws(issuer.payload(given="Mallory")).split(".")
    return shc_qr(f"{good[0]}.{forged[1]}.{good[2]}")


# ---------------------------------------------------------------- DIVOC


def _contexts() -> dict[str, Any]:
    root = conformance_path("jsonld-contexts")
    v2 = json.loads((root / "DIVOCVaccinationContextV2.json").read_text())
    return {
        "https://www.w3.org/2018/credentials/v1": json.loads((root / "W32018CredentialsV1.json").read_text()),
        "https://cowin.gov.in/credentials/vaccination/v1": json.loads(
            (root / "DIVOCVaccinationContextV1.json").read_text()
        ),
        "https://cowin.gov.in/credentials/vaccination/v2": v2,
        # Other DIVOC deployments' names for the v2 context (as WHO's validator maps them).
        "https://divoc.prod/vaccine/credentials/vaccination/v1": v2,
        "https://divoc.lgcc.gov.lk/credentials/vaccination/v1": v2,
        "https://www.pedulilindungi.id/credentials/vaccination/v2": v2,
        "https://w3id.org/security/v1": json.loads((root / "security-v1.jsonld").read_text()),
        "https://w3id.org/security/v2": json.loads((root / "security-v2.jsonld").read_text()),
    }


def canonicalise(document: dict[str, Any]) -> str:
    """URDNA2015 N-Quads with pyld and a loader serving only the bundled contexts (never the network)."""
    from pyld import jsonld

    contexts = _contexts()

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if url not in contexts:
            raise ValueError(f"context {url} is not bundled")
        return {"contextUrl": None, "documentUrl": url, "document": contexts[url]}

    return str(
        jsonld.normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
        )
    )


def jamaica_credential(name: str = "Tanisha Reid") -> dict[str, Any]:
    """A DIVOC credential shaped like Jamaica's (the shared real one, our own name), without proof."""
    path = conformance_path("ddcc-validator", "qr", "DIVOCJamaicaUnpacked.json")
    document = json.loads(path.read_text())
    document.pop("proof", None)
    document = copy.deepcopy(document)
    document["credentialSubject"]["name"] = name
    document["credentialSubject"]["dob"] = "1990-02-14"
    document["evidence"][0]["facility"]["address"]["addressCountry"] = "JAM"
    return dict(document)


class DivocIssuer:
    """A DIVOC signer of our own (Ed25519Signature2018 or RsaSignature2018) under a DID."""

    def __init__(self, kind: str = "ed25519", did: str = "did:vaxcert-test:divoc") -> None:
        self.kind = kind
        self.did = did
        if kind == "ed25519":
            self.key: Any = ed25519.Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes_raw()
            self.jwk: dict[str, str] = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            numbers = self.key.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "n": b64url_int(numbers.n), "e": b64url_int(numbers.e)}

    def trust_entry(self) -> dict[str, Any]:
        not_before, not_after = _window()
        return {
            "kid": self.did,
            "country": "JM",
            "certificateType": "DSC",
            "framework": "divoc",
            "notBefore": not_before,
            "notAfter": not_after,
            "jwk": {**self.jwk, "kid": self.did},
        }

    def sign(self, credential: dict[str, Any], *, salt_length: Any = 32) -> dict[str, Any]:
        """Signed as DIVOC signs (RSA-PSS salt 32 unless `salt_length`, e.g. padding.PSS.MAX_LENGTH)."""
        alg = "EdDSA" if self.kind == "ed25519" else "PS256"
        proof = {
            "type": "Ed25519Signature2018" if self.kind == "ed25519" else "RsaSignature2018",
            "created": "2021-12-17T18:41:49Z",
            "verificationMethod": self.did,
            "proofPurpose": "assertionMethod",
        }
        header = b64url(json.dumps({"alg": alg, "b64": False, "crit": ["b64"]}).encode())
        data = (
            f"{header}.".encode()
            + hashlib.sha256(
                canonicalise({**proof, "@context": "https://w3id.org/security/v2"}).encode()
            ).digest()
            + hashlib.sha256(canonicalise(credential).encode()).digest()
        )
        if self.kind == "ed25519":
            signature = self.key.sign(data)
        else:
            signature = self.key.sign(
                data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt_length), hashes.SHA256()
            )
        return {**credential, "proof": {**proof, "jws": f"{header}..{b64url(signature)}"}}


def divoc_qr(document: dict[str, Any]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("certificate.json", json.dumps(document, separators=(",", ":")))
    return "B64:" + base64.b64encode(buffer.getvalue()).decode()


# ---------------------------------------------------------------- pictures


def qr_image(content: str, *, scale: int = 8, error: str = "q") -> tuple[Image.Image, int]:
    """(a crisp image of the QR code, its version), as a certificate PDF or a phone screen shows it."""
    code = segno.make_qr(content, error=error, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB"), int(code.version)


def phone_photo(content: str, *, seed: int = 7, angle: float = 11.0, blur: float = 1.2) -> bytes:
    """A JPEG like a verifier's phone takes of a QR shown on another phone's screen: a bright screen in a
    dark bezel with a pixel grid, a gradient of glare, tilted (perspective), rotated, a little soft."""
    rng = random.Random(seed)
    code, _ = qr_image(content, scale=6)
    side = code.width
    # The holder's phone: screen pixels visible as a faint RGB grid, a dark bezel around it.
    screen = code.resize((side * 2, side * 2), Image.Resampling.NEAREST)
    stripe = Image.new("RGB", (9, 1))
    stripe.putdata([(255, 0, 0)] * 3 + [(0, 255, 0)] * 3 + [(0, 0, 255)] * 3)
    stripe = stripe.resize((9, screen.height), Image.Resampling.NEAREST)
    grid = Image.new("RGB", screen.size)
    for x in range(0, screen.width, 9):
        grid.paste(stripe, (x, 0))
    screen = Image.blend(screen, grid, 0.12)
    phone = Image.new("RGB", (screen.width + 120, screen.height + 360), (18, 18, 22))
    phone.paste(screen, (60, 180))
    # Perspective: the far edge narrower (photo taken at an angle).
    w, h = phone.size
    shrink = 0.12 * w
    coefficients = _perspective(
        [(shrink, 0), (w - shrink, 0), (w, h), (0, h)], [(0, 0), (w, 0), (w, h), (0, h)]
    )
    phone = phone.transform(
        phone.size,
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BICUBIC,
        fillcolor=(120, 104, 88),
    )
    # The scene: a desk, the phone rotated on it, uneven light.
    scene = Image.new("RGB", (int(w * 1.6), int(h * 1.3)), (120, 104, 88))
    phone = phone.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(120, 104, 88))
    scene.paste(phone, ((scene.width - phone.width) // 2, (scene.height - phone.height) // 2))
    glare = Image.new("L", scene.size, 0)
    ImageDraw.Draw(glare).ellipse(
        [scene.width * 0.55, scene.height * 0.05, scene.width * 1.1, scene.height * 0.6], fill=70
    )
    glare = glare.filter(ImageFilter.GaussianBlur(scene.width // 10))
    scene = Image.composite(Image.new("RGB", scene.size, (255, 255, 250)), scene, glare)
    scene = scene.filter(ImageFilter.GaussianBlur(blur))
    noise = Image.effect_noise(scene.size, 18).convert("RGB")
    scene = Image.blend(scene, noise, 0.06 + rng.random() * 0.02)
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=82)
    return out.getvalue()


def _perspective(target: list[tuple[float, float]], source: list[tuple[float, float]]) -> list[float]:
    """PIL PERSPECTIVE coefficients mapping output corners `target` to input corners `source`."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    # Gauss-Jordan elimination with partial pivoting on the 8x9 augmented matrix.
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(8):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][8] / rows[i][i] for i in range(8)]


def camera_y4m(content: str, path: Path, *, width: int = 1280, height: int = 720, frames: int = 4) -> Path:
    """A .y4m for Chromium's fake camera (--use-file-for-fake-video-capture): the QR held up in front of the
    camera, slightly rotated and moving between frames, a little soft."""
    code, _ = qr_image(content, scale=4)
    target = int(height * 0.86)
    code = code.resize((target, target), Image.Resampling.BILINEAR)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(frames):
            frame = Image.new("RGB", (width, height), (90, 96, 104))
            tilted = code.rotate(
                4 + i, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(90, 96, 104)
            )
            frame.paste(tilted, ((width - tilted.width) // 2 + i * 6, (height - tilted.height) // 2))
            frame = frame.filter(ImageFilter.GaussianBlur(0.8))
            y, cb, cr = frame.convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(cb.resize(half, Image.Resampling.BILINEAR).tobytes())
            out.write(cr.resize(half, Image.Resampling.BILINEAR).tobytes())
    return path


# ---------------------------------------------------------------- HC1 / WHO signed with our own keys


def resign_hc1(
    qr: str, key: ec.EllipticCurvePrivateKey, kid: bytes, change: dict[str, Any] | None = None
) -> str:
    """The same HC1 content (EU DCC or WHO's flat DDCC map), with `change` merged into its claims, signed
    ES256 by `key` under `kid`."""
    import cbor2

    from vaxcert.formats import base45

    sign1 = cbor2.loads(zlib.decompress(base45.decode(qr[4:])))
    payload = (sign1.value if isinstance(sign1, cbor2.CBORTag) else sign1)[2]
    if change:
        payload = cbor2.dumps({**cbor2.loads(payload), **change})
    protected = cbor2.dumps({1: -7, 4: kid})
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = raw_ecdsa(key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
    return "HC1:" + base45.encode(
        zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))
    )


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "kid": kid,
        "alg": "ES256",
        "use": "sig",
    }
