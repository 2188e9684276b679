"""Results kept on disk while what they depend on is unchanged.

Two kinds of result are kept: small JSON-serialisable values (:func:`memo`, e.g. the latest
complete month) and frames (:func:`frame`, pickled or in Parquet, e.g. a validated source).
Each is kept under a :func:`key`, a digest of everything it depends on: the parts of ohti's
code that compute it (:func:`ohti._files.code_digest`), the data (shipped and refreshed), other
files it reads and the versions of the libraries that shape it; never file names or times.
A result whose key differs is computed again and kept in place of the old one. A cache that
cannot be read or written is passed over: the result is computed again.

Examples
--------
>>> key = cache.key(code=("sources", "errors.py"), data=True, libraries=("pandas",))  # doctest: +SKIP
>>> cache.frame("tyonv_12r5", key, read_12r5, folder=SOURCE_CACHE_DIR)              # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

from ohti._files import bytes_digest, code_digest, file_digest, replacing, tree_digest, write_json
from ohti.errors import ParameterError
from ohti.paths import DATA_DIR, DATA_DIR_USER, OUTPUTS_DIR

#: Where frames are kept unless their caller names a folder (``<outputs>/.cache``).
CACHE_DIR = OUTPUTS_DIR / ".cache"

#: How a frame is kept: the file suffix of each format.
FRAME_FORMATS = ("pickle", "parquet")

#: Hex digits of the key in a cached frame's file name (``<kind>-<key>.<format>``).
NAME_KEY_LENGTH = 16


# --------------------------------------------------------------------------- keys

def value_digest(value) -> str:
    """SHA-256 of a JSON-serialisable value (keys sorted; other objects by ``repr``)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return bytes_digest(text.encode("utf-8"))


def data_folder_digest() -> str:
    """Digest of the refreshed and imported data (the data folder's manifest lists each file
    with its sha256, and the loaders refuse a file that differs); '' without a data folder."""
    manifest = DATA_DIR_USER / "MANIFEST.csv"
    return file_digest(manifest) if manifest.is_file() else ""


def data_digest() -> str:
    """Digest of all the data: the shipped files (their content) and the data folder's."""
    return value_digest([tree_digest(DATA_DIR), data_folder_digest()])


@functools.lru_cache(maxsize=None)
def library_versions(*names: str) -> tuple[tuple[str, str | None], ...]:
    """The installed versions of the libraries `names` (None for one that is not installed),
    read from their metadata without importing them; once per process."""
    versions = []
    for name in names:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)


def key(*, code: Iterable[str] = (), data: bool = False, files: Iterable = (),
        libraries: Iterable[str] = (), extra=None) -> str:
    """The key of a result: a digest of everything it depends on.

    Parameters
    ----------
    code : iterable of str
        The parts of the ohti package that compute it, relative to the package folder: a
        subpackage (``"sources"``) or a file (``"errors.py"``, ``"model.yaml"``).
    data : bool
        Whether it depends on the data: the shipped files and the data folder's (refreshed and
        imported) ones (:func:`data_digest`).
    files : iterable of path
        Further files it reads (a registry, an extract), by content; a missing file counts as
        such (computing then says what is wrong).
    libraries : iterable of str
        Libraries whose version changes it (pandas for a pickle).
    extra : JSON-serialisable, optional
        Anything else it depends on (its arguments).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    parts = {}
    if code:
        parts["code"] = code_digest(*code)
    if data:
        parts["data"] = data_digest()
    files = [Path(path) for path in files]
    if files:
        parts["files"] = [file_digest(path) if path.is_file() else None for path in files]
    libraries = tuple(libraries)
    if libraries:
        parts["libraries"] = library_versions(*libraries)
    if extra is not None:
        parts["extra"] = extra
    return value_digest(parts)


# --------------------------------------------------------------------------- JSON values

def memo(folder, name: str, key: str, compute: Callable[[], object]):
    """A small JSON-serialisable result kept in `folder`/`name`.json while `key` is the same.

    `key` is a digest of everything the result depends on (:func:`key`); when it differs,
    `compute()` is called and its result kept in place of the old one.
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
        write_json(path, {"key": key, "value": value})
    except OSError:
        pass  # a read-only outputs folder: compute again next time
    return value


# --------------------------------------------------------------------------- frames

def frame_path(kind: str, key: str, *, folder=None, format: str = "pickle") -> Path:
    """Where :func:`frame` keeps the frame of `kind` under `key`."""
    if format not in FRAME_FORMATS:
        raise ParameterError(f"cannot keep a frame as {format!r} (known: {', '.join(FRAME_FORMATS)})")
    return Path(CACHE_DIR if folder is None else folder) / f"{kind}-{key[:NAME_KEY_LENGTH]}.{format}"


def frame(kind: str, key: str, compute: Callable[[], object], *, folder=None, format: str = "pickle"):
    """A frame kept in `folder` (:data:`CACHE_DIR` by default) while `key` is the same.

    The frame is read from ``<folder>/<kind>-<key>.<format>`` if it is there; otherwise
    `compute()` is called, its frame written there (whole or not at all) and the frames of the
    same `kind` kept under other keys removed. A file that cannot be read (damaged, or written
    by another version of pandas) or a folder that cannot be written is passed over.

    Parameters
    ----------
    kind : str
        What the frame is (a source's id); one frame of each kind is kept.
    key : str
        A digest of everything the frame depends on (:func:`key`).
    compute : callable
        Computes the frame when it is not kept.
    folder : path, optional
        Where to keep it.
    format : {"pickle", "parquet"}
        How to keep it: a pickle keeps every dtype and index as they are (and depends on
        pandas' version: put ``pandas`` in the key's libraries); Parquet keeps columns of
        plain types and is read by other tools.

    Raises
    ------
    ParameterError
        For an unknown `format`.
    """
    path = frame_path(kind, key, folder=folder, format=format)
    try:
        return _read_frame(path, format)
    except Exception:  # absent, damaged, or from another pandas or pyarrow: compute it again
        pass
    value = compute()
    try:
        with replacing(path) as temporary:
            if format == "pickle":
                value.to_pickle(temporary, compression=None)
            else:
                value.to_parquet(temporary)
        stale = re.compile(re.escape(kind) + "-[0-9a-f]{%d}" % NAME_KEY_LENGTH + re.escape(path.suffix))
        for other in path.parent.iterdir():
            if other != path and stale.fullmatch(other.name):
                other.unlink(missing_ok=True)
    except Exception:  # a read-only folder, a full disk, a frame the format cannot hold
        pass
    return value


def _read_frame(path: Path, format: str):
    import pandas as pd  # slow to import; a process that only reads JSON values never needs it

    if format == "pickle":
        return pd.read_pickle(path, compression=None)
    return pd.read_parquet(path)
