"""Where a document's figures come from: sources, extraction dates, division, software."""

from __future__ import annotations

import functools
import html
import subprocess

from . import __version__
from .i18n import label
from .paths import PROJECT_DIR
from .sources import load_manifest


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The project's git commit (with '-dirty' for uncommitted changes), or 'unknown'."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_DIR,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def sources_used() -> list[dict]:
    """The manifest rows of the shipped data, one dict per file."""
    return load_manifest().to_dict("records")


def about_html(parameters: dict, language: str = "fi") -> str:
    """The "about this document" section: sources with attribution and extraction dates,
    the division used, the ohti version and commit, and the parameters."""
    items = "".join(
        f"<li>{html.escape(row['attribution'])}. {html.escape(row['publisher'])}; "
        f"{html.escape(row['coverage'])}; {label('extracted', language)} {html.escape(row['extracted'])}; "
        f"{label('licence', language)} {html.escape(row['licence'])}. "
        f"<span class=\"origin\">{html.escape(row['origin'])}</span></li>"
        for row in sources_used()
    )
    params = "".join(
        f"<li><code>{html.escape(str(key))}</code> = <code>{html.escape(str(value))}</code></li>"
        for key, value in sorted(parameters.items())
    )
    return (
        f'<section class="about"><h2>{label("about", language)}</h2>'
        f"<h3>{label('sources', language)}</h3><ul>{items}</ul>"
        f"<p>{html.escape(label('national_row_note', language))} {html.escape(label('incomplete_note', language))}</p>"
        f"<h3>{label('division', language)}</h3><p>{html.escape(label('division_text', language))}</p>"
        f"<h3>{label('software', language)}</h3><p>{label('generated_by', language)}, "
        f"{label('version', language)} {html.escape(__version__)}, {label('commit', language)} "
        f"<code>{html.escape(git_commit())}</code>.</p>"
        f"<h3>{label('parameters', language)}</h3><ul>{params}</ul></section>"
    )
