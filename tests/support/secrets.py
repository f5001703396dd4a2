"""Master key files for tests: on PostgreSQL, one per database, the same for every process
of a test session that opens it (a store's secrets open with one key only)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from service.store import is_embedded

KEYS_DIR = Path(tempfile.gettempdir()) / "faas-test-secret-keys"


def key_file_for(database_url: str) -> str:
    """The key file of a store: ``""`` (the default, beside the file) on the embedded store,
    else a file whose key is derived from the URL, made if missing."""
    if is_embedded(database_url):
        return ""
    digest = hashlib.sha256(f"faas-test-master-key\n{database_url}".encode()).hexdigest()
    path = KEYS_DIR / f"{digest[:16]}.key"
    if not path.exists():
        KEYS_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(digest + "\n")
        partial.chmod(0o600)
        partial.replace(path)
    return str(path)
