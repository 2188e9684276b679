"""Results kept on disk while what they depend on is unchanged.

A cached result is keyed on digests of its inputs' content (:mod:`ohti._files`): the data
(shipped and refreshed), the parts of ohti's code that compute it, and the libraries'
versions; never on file names or times. A cache that cannot be read or written is passed over:
the result is computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from ohti._files import file_digest, tree_digest, write_json
from ohti.paths import DATA_DIR_USER, PACKAGE_DIR


def value_digest(value) -> str:
    """SHA-256 of a JSON-serialisable value (keys sorted; other objects by ``repr``)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_folder_digest() -> str:
    """Digest of the refreshed and imported data (the data folder's manifest lists each file
    with its sha256, and the loaders refuse a file that differs); '' without a data folder."""
    manifest = DATA_DIR_USER / "MANIFEST.csv"
    return file_digest(manifest) if manifest.is_file() else ""


def data_key() -> str:
    """A key that changes when ohti's own files (shipped data included) or the data folder do."""
    return value_digest([tree_digest(PACKAGE_DIR), data_folder_digest()])


def memo(folder, name: str, key: str, compute: Callable[[], object]):
    """A small JSON-serialisable result kept in `folder`/`name`.json while `key` is the same.

    `key` is a digest of everything the result depends on; when it differs, `compute()` is
    called and its result kept in place of the old one.
    """
    path = Path(folder) / f"{name}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return kept["value"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": key, "value": value})
    except OSError:
        pass  # a read-only outputs folder: compute again next time
    return value
