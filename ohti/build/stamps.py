"""Content stamps: rebuild a document only when one of its inputs changed.

A document's inputs are hashed (SHA-256 of their content, never their timestamps):

- the notebook template;
- its parameters, the build's formats, its page title and its "about" fragment;
- the further files it reads, given as glob patterns (its assessment text): which files match,
  and their content, so that a text appearing or disappearing counts too;
- what every document shares (:func:`shared_digests`): ohti's package folder (its source, the
  shipped data and ``MANIFEST.csv``, the registry ``indicators.yaml``, ``model.yaml``,
  ``labels.yaml``, the page templates), the registry ``OHTI_REGISTRY`` points at if it is
  elsewhere, the project's git commit (the documents print it), and the versions of Python
  and of the libraries that shape the outputs.

After a document is built its stamp is written to ``<outputs>/<period>/.stamps/<stem>.json``:
the digest of its inputs, the digest of each input part (to say what changed), and the SHA-256
of each file it published. It is up to date when the digest is the same *and* every published
file is still there with the same content; otherwise it is built again. A document whose cell
raised is stamped as failed (the same inputs fail the same way) and reported again without
running; a document that failed for another reason (its kernel died, the machine) has no stamp
and is tried again.

:func:`ohti.cache.memo` keeps small results that are slow to compute but fixed by their inputs
(the latest complete month of the data) under the same rule.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from ohti._files import file_digest, named_digest, path_digest, tree_digest, write_json
from ohti._version import git_commit
from ohti.cache import data_folder_digest, library_versions, value_digest
from ohti.paths import PACKAGE_DIR, PROJECT_DIR, REGISTRY_PATH

#: Folder of the stamps inside a period's output folder.
STAMPS_FOLDER = ".stamps"

#: Format of the stamp files; a stamp of another format is ignored (the document is rebuilt).
STAMP_VERSION = 1

#: Libraries whose version can change a document's bytes.
LIBRARIES = (
    "ohti", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "nbclient",
    "nbconvert", "nbformat", "ipykernel", "weasyprint", "pydyf", "jinja2", "beautifulsoup4",
    "geopandas", "shapely", "mistune", "babel",
)


def glob_digest(patterns: Iterable[str], base=None) -> str:
    """SHA-256 over the files matching glob `patterns` (relative to `base`, the project folder
    by default): their names and contents. No match is a value too."""
    base = Path(base) if base is not None else PROJECT_DIR
    named = []
    for pattern in patterns:
        named.append(("pattern\0" + pattern, ""))
        for match in sorted(glob.glob(str(base / pattern), recursive=True)):
            named.append((os.path.relpath(match, base).replace(os.sep, "/"), path_digest(match)))
    return named_digest(named)


@functools.lru_cache(maxsize=1)
def environment_digest() -> str:
    """Python's version and the versions of :data:`LIBRARIES` (missing ones count as such)."""
    return value_digest({"python": sys.version, **dict(library_versions(*LIBRARIES))})


def shared_digests() -> dict[str, str]:
    """Digests of the inputs every document shares (see the module docstring)."""
    parts = {
        "ohti": tree_digest(PACKAGE_DIR),
        "environment": environment_digest(),
        "git": value_digest(git_commit()),
    }
    refreshed = data_folder_digest()
    if refreshed:
        parts["data_folder"] = refreshed
    registry = Path(os.environ.get("OHTI_REGISTRY", REGISTRY_PATH)).resolve()
    if PACKAGE_DIR not in registry.parents:
        parts["registry"] = file_digest(registry) if registry.is_file() else "missing"
    return parts


def document_digest(shared: Mapping[str, str], *, notebook, parameters: Mapping,
                    inputs: Iterable[str] = (), settings: Mapping | None = None) -> str:
    """The digest of one document's inputs: `shared` ones, its notebook, its parameters, the
    files matching `inputs` and the build `settings` that shape it (formats, title, …)."""
    return combine_parts(document_parts(shared, notebook=notebook, parameters=parameters,
                                        inputs=inputs, settings=settings))


def document_parts(shared: Mapping[str, str], *, notebook, parameters: Mapping,
                   inputs: Iterable[str] = (), settings: Mapping | None = None) -> dict[str, str]:
    """The digest of each input part of a document (what :func:`document_digest` combines)."""
    return {
        **shared,
        "notebook": file_digest(notebook),
        "parameters": value_digest(dict(parameters)),
        "inputs": glob_digest(list(inputs)),
        "settings": value_digest(dict(settings or {})),
    }


def combine_parts(parts: Mapping[str, str]) -> str:
    """One digest for the digests of a document's input parts."""
    return value_digest({"version": STAMP_VERSION, **parts})


class StampStore:
    """The stamps of one period's documents, one JSON file per document.

    Parameters
    ----------
    folder : str or pathlib.Path
        Where the stamps are kept, usually ``<outputs>/<period>/.stamps``.
    """

    def __init__(self, folder):
        self.folder = Path(folder)

    def path(self, stem: str) -> Path:
        return self.folder / f"{stem}.json"

    def read(self, stem: str) -> dict | None:
        """The stamp of a document, or None if it has none (or an unreadable one)."""
        try:
            stamp = json.loads(self.path(stem).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION:
            return None
        return stamp

    def current(self, stem: str, digest: str, expected: Mapping[str, Path]) -> dict | None:
        """The stamp if the document is up to date, else None.

        Up to date means: the stamp has the same input `digest`, and every file it vouches for
        still has the content it had. A document stamped ``ok`` must vouch for every kind in
        `expected` (e.g. ``ipynb``, ``html``, ``pdf``); a failed one for its notebook.
        """
        stamp = self.read(stem)
        if stamp is None or stamp.get("digest") != digest:
            return None
        outputs = stamp.get("outputs") or {}
        needed = set(expected) if stamp.get("status") == "ok" else {"ipynb"}
        if stamp.get("status") not in ("ok", "failed") or set(outputs) != needed:
            return None
        for kind, recorded in outputs.items():
            path = Path(expected.get(kind) or "")
            if not path.is_file() or path.name != recorded.get("name"):
                return None
            if file_digest(path) != recorded.get("sha256"):
                return None
        return stamp

    def record(self, stem: str, digest: str, *, status: str, outputs: Mapping[str, Path],
               error: str | None = None, parts: Mapping[str, str] | None = None,
               kept: Mapping[str, Path] | None = None) -> Path:
        """Write a document's stamp (atomically) after it was built. A failed document's
        ``kept`` files are the pages of its last good build that stay published."""
        stamp = {
            "version": STAMP_VERSION,
            "digest": digest,
            "status": status,
            "error": error,
            "outputs": {
                kind: {"name": Path(path).name, "sha256": file_digest(path)}
                for kind, path in sorted(outputs.items())
            },
        }
        if kept:
            stamp["kept"] = {kind: {"name": Path(path).name, "sha256": file_digest(path)}
                             for kind, path in sorted(kept.items())}
        if parts:
            stamp["inputs"] = dict(parts)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.path(stem), stamp)
        return self.path(stem)

    def forget(self, stem: str) -> None:
        """Remove a document's stamp, so that it is built next time."""
        self.path(stem).unlink(missing_ok=True)
