"""The published revocation list in the artefacts bucket: `revocation/latest.json` plus a history copy."""

from __future__ import annotations

import json
from typing import Any

from vaxcert.store.artefacts import S3Blobs

LATEST_KEY = "revocation/latest.json"
HISTORY_PREFIX = "revocation/history/"


class RevocationListObjects:
    def __init__(self, blobs: S3Blobs):
        self.blobs = blobs

    def save(self, document: dict[str, Any]) -> None:
        data = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        # History first: `latest` never names a list that was not kept.
        stamp = str(document["issuedAt"]).replace(":", "")
        self.blobs.put(f"{HISTORY_PREFIX}{stamp}-{document['jws'][-16:]}.json", data, "application/json")
        self.blobs.put(LATEST_KEY, data, "application/json")

    def latest(self) -> dict[str, Any] | None:
        data = self.blobs.get(LATEST_KEY)
        return json.loads(data) if data is not None else None
