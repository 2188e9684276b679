"""Files written whole or not at all, and digests of files and folders.

Every file ohti publishes or caches is written to a temporary file beside its place and moved
onto it when complete (:func:`replacing`), so that a reader (or a build that is stopped) never
sees half a file. The digests key caches and stamps on content, never on names or times.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ohti.paths import PACKAGE_DIR

#: Permissions of published files (temporary files are created private).
PUBLISHED_FILE_MODE = 0o644

#: Names skipped when hashing a folder: caches and editor leftovers, never inputs.
SKIPPED_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints", ".DS_Store"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")

_CHUNK = 1 << 20


@contextlib.contextmanager
def replacing(path, *, suffix: str | None = None, sync: bool = False) -> Iterator[Path]:
    """Yield a temporary file beside `path`; when the block succeeds, move it onto `path`.

    The temporary file is named ``.<stem>-<8 random characters><suffix>`` (``suffix`` is
    ``<path's suffix>.tmp`` unless given) and removed if the block raises, so that `path` keeps
    its previous content. With `sync`, the file's content is flushed to the disk before it is
    moved (data that must survive a power cut, not a page that can be built again).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=suffix or f"{path.suffix}.tmp"
    )
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        if sync:
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(temporary, PUBLISHED_FILE_MODE)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(path, data: bytes, *, sync: bool = False) -> None:
    """Write `data` to `path` whole or not at all (see :func:`replacing` for `sync`)."""
    with replacing(path, sync=sync) as temporary:
        temporary.write_bytes(data)


def write_text(path, text: str) -> None:
    """Write `text` (UTF-8) to `path` whole or not at all."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(path, value) -> None:
    """Write `value` as indented JSON (keys sorted) to `path`, whole or not at all."""
    write_text(path, json.dumps(value, indent=1, sort_keys=True) + "\n")


def bytes_digest(data: bytes) -> str:
    """SHA-256 of `data` (hex)."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path) -> str:
    """SHA-256 of a file's content (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(root) -> str:
    """SHA-256 over every file below `root`: relative paths and contents, in sorted order."""
    root = Path(root)
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_NAMES)
        for name in sorted(files):
            if name in SKIPPED_NAMES or name.endswith(SKIPPED_SUFFIXES):
                continue
            path = Path(folder) / name
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(file_digest(path).encode("ascii") + b"\n")
    return digest.hexdigest()


def path_digest(path) -> str:
    """:func:`tree_digest` of a folder, :func:`file_digest` of a file."""
    return tree_digest(path) if Path(path).is_dir() else file_digest(path)


def named_digest(named) -> str:
    """SHA-256 over (name, digest) pairs, in the order given."""
    digest = hashlib.sha256()
    for name, content in named:
        digest.update(name.encode("utf-8") + b"\0" + content.encode("ascii") + b"\n")
    return digest.hexdigest()


def code_digest(*parts: str) -> str:
    """SHA-256 over parts of the ohti package, named relative to it: a subpackage
    (``"sources"``: every file below it) or a file (``"errors.py"``, ``"model.yaml"``)."""
    return named_digest((part, path_digest(PACKAGE_DIR / part)) for part in parts)
