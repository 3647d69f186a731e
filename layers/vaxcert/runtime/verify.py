"""The composition root of functions/verify: settings -> adapters -> services, built on first use (never at
import), once per process. In the layer beside the other roots: on Lambda a function's folder is
/var/task, no package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vaxcert.cache import TtlCache
from vaxcert.catalogue import Catalogue, load_catalogue
from vaxcert.logs import get_logger
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.store.artefacts import S3Blobs
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.revocation import RevocationListObjects
from vaxcert.store.trust import TrustRepository
from vaxcert.trust.configured import divoc_entries
from vaxcert.types.trust import TrustEntry
from vaxcert.verification.own_cards import OwnCardRevocations
from vaxcert.verification.sources import LegacyRevocations, OwnRevocations, StoredTrustStore
from vaxcert.verification.trust import CertificateRevocations, RevocationCheck, Revocations, TrustStore

if TYPE_CHECKING:  # imported on use (cold start)
    from vaxcert.http.models.published import OpenApiDocument, RevocationList

logger = get_logger()

# The revocation list changes within a minute of a revocation: read it again after this long.
REVOCATION_READ_S = 30


@dataclass(frozen=True)
class Services:
    shc_issuer: str  # our SMART Health Card `iss`
    configured: tuple[TrustEntry, ...]  # keys from the deployment's settings (the DIVOC key)
    trust_entries: TrustRepository
    certificates: CertificateRepository
    trust: TrustStore
    revocations: RevocationCheck | CertificateRevocations
    revocation_list: TtlCache[RevocationList | None]  # the latest published list
    catalogue: Catalogue  # the deployment's (VACCINE_CATALOGUE_FILE): names the vaccines shown
    openapi: TtlCache[OpenApiDocument]  # built once: it only changes with a deployment


def configured_keys(divoc_public_key: str, divoc_did: str, country: str) -> tuple[TrustEntry, ...]:
    """The ministry's DIVOC key from the deployment: verified with and published in the trust list.
    `cdk synth` refuses a bad value; should one reach here, verification of everything else goes on."""
    try:
        return tuple(divoc_entries(divoc_public_key, divoc_did or None, country))
    except ValueError as exc:
        logger.error("DIVOC_PUBLIC_KEY is not usable", extra={"problem": str(exc)})
        return ()


def build() -> Services:
    s = settings()
    configured = configured_keys(s.divoc_public_key, s.divoc_did, s.country)
    trust_entries = TrustRepository()
    certificates = CertificateRepository()
    objects = RevocationListObjects(S3Blobs(s.artefacts_bucket))

    def latest_revocation_list() -> RevocationList | None:
        from vaxcert.http.models.published import RevocationList

        document = objects.latest()
        return None if document is None else RevocationList.model_validate(document)

    def openapi_document() -> OpenApiDocument:
        # Imported on use: it loads every endpoint's models (~100 ms), too much for every cold start.
        from vaxcert.http.models.published import OpenApiDocument
        from vaxcert.http.openapi import openapi_document

        return OpenApiDocument.model_validate(openapi_document(s.ingest_header))

    return Services(
        shc_issuer=s.shc_issuer,
        configured=configured,
        trust_entries=trust_entries,
        certificates=certificates,
        trust=StoredTrustStore(trust_entries, configured=configured, own_card_issuer=s.shc_issuer),
        # Our HC1 certificates by UCI, our SMART Health Cards by rid (both read live), and legacy
        # DIVOC certificates migrated into vaxcert (by certificateId).
        revocations=Revocations(
            OwnRevocations(s.country, certificates),
            OwnCardRevocations(s.shc_issuer, certificates, trust_entries),
            LegacyRevocations(certificates),
        ),
        revocation_list=TtlCache(latest_revocation_list, REVOCATION_READ_S),
        catalogue=load_catalogue(s.vaccine_catalogue_file),
        openapi=TtlCache(openapi_document),
    )


services = Root(build)
