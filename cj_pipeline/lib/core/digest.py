"""The one content hash: sha256 of a file's bytes names it in the archive, the ledger and receipts."""

from __future__ import annotations

import hashlib


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
