"""What a build reports for each document: built, failed (with the last good files kept), or up
to date from its stamp; and where a document's files go.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from ohti._files import file_digest
from ohti.errors import OhtiError

STATUSES = ("ok", "failed")


def _failed_result(job, settings, error, *, started, timings=None) -> dict:
    """The result of a failed document. Its published HTML and PDF are left alone here: the
    build keeps them if they are the last good build's, and removes them otherwise (see
    :func:`_keep_last_good`)."""
    paths = _document_paths(job, settings)
    if isinstance(error, OhtiError):
        message = _first_line(error)
    else:
        message = f"{type(error).__name__}: {_first_line(error)}"
    return {
        **_result_base(job, paths),
        "status": "failed",
        "html": None,
        "pdf": None,
        "error": message,
        "rebuilt": True,
        "seconds": time.perf_counter() - started if started is not None else None,
        "timings": dict(timings or {}),
    }


def _keep_last_good(job, settings, store, result: dict) -> dict:
    """A failed document keeps the HTML and PDF of its last good build, where its stamp vouches
    for them (same name and content): the result then links them and says ``kept``. Any other
    page of the document (a stray or a half-written one) is removed, never published as its."""
    previous = store.read(job.stem) or {}
    vouched = previous.get("outputs") if previous.get("status") == "ok" else previous.get("kept")
    vouched = vouched or {}
    paths = _document_paths(job, settings)
    kept = {}
    for kind in ("html", "pdf"):
        path = paths[kind]
        recorded = vouched.get(kind) or {}
        if path.is_file() and recorded.get("name") == path.name and file_digest(path) == recorded.get("sha256"):
            kept[kind] = path
        else:
            path.unlink(missing_ok=True)
    result = {**result, "html": str(kept["html"]) if "html" in kept else None,
              "pdf": str(kept["pdf"]) if "pdf" in kept else None, "kept": sorted(kept)}
    return result


def _result_from_stamp(job, settings, stamp: Mapping) -> dict:
    """The result of a document that is up to date, as its last build left it."""
    paths = _document_paths(job, settings)
    ok = stamp["status"] == "ok"
    kept = stamp.get("kept") or {}
    return {
        **_result_base(job, paths),
        "status": stamp["status"],
        "html": str(paths["html"]) if (ok and "html" in settings.formats) or "html" in kept else None,
        "pdf": str(paths["pdf"]) if (ok and "pdf" in settings.formats) or "pdf" in kept else None,
        "error": stamp.get("error"),
        "rebuilt": False,
        "seconds": 0.0,
        "timings": {},
    }


def _result_base(job, paths) -> dict:
    return {
        "code": str(job.code),
        "name": job.name,
        "language": job.language,
        "group": job.group,
        "ipynb": str(paths["ipynb"]) if paths["ipynb"].is_file() else None,
    }


def _expected_outputs(job, settings) -> dict:
    """The files an up-to-date document has: its notebook, and its pages if it succeeded."""
    paths = _document_paths(job, settings)
    return {kind: paths[kind] for kind in ("ipynb", *settings.formats)}


def _stamped_outputs(result, settings) -> dict:
    """The files a built document wrote, by kind (those its stamp vouches for)."""
    return {kind: Path(result[kind]) for kind in ("ipynb", *settings.formats) if result.get(kind)}


def _first_line(value) -> str:
    lines = str(value).strip().splitlines()
    return lines[0].strip() if lines else ""


def _document_paths(job, settings) -> dict:
    return {
        "ipynb": settings.period_dir / "notebooks" / f"{job.stem}.ipynb",
        "html": settings.period_dir / f"{job.stem}.html",
        "pdf": settings.period_dir / f"{job.stem}.pdf",
    }
