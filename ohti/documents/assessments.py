"""Expert assessments: the reviewer's written judgement, included in the documents.

A reviewer writes Markdown under ``parameters/assessments/<period>/<code>.md`` (Swedish or
English texts as ``<code>.sv.md`` / ``<code>.en.md``), where ``<code>`` is an employment-area
code (``36``), a region as ``<grouping>-<code>`` (``ely-07``, ``maakunta-10``, ``evk-06``), or
``national``. ``parameters/assessments/TEMPLATE.md`` suggests the sections: strengths,
development needs, recommendations.

The text may refer to an indicator by id in braces, ``{unemployment_rate}``, and the document
fills in the current value with its unit. The Markdown is rendered with raw HTML escaped and
unsafe link schemes dropped, so no markup or script from the text reaches the document. The
section around it is the macros of ``templates/assessments.html.j2`` (see
:mod:`ohti.documents.templating`).
"""

from __future__ import annotations

import base64
import html
import re
import urllib.parse
from pathlib import Path

import mistune
from markupsafe import Markup

from ohti.documents.templating import Html, render
from ohti.errors import ParameterError
from ohti.i18n import check_language, format_number
from ohti.paths import ASSESSMENTS_DIR

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
#: An assessment is a reviewer's text: far below this. A larger file is refused before the build.
MAX_ASSESSMENT_BYTES = 200_000
#: Images an assessment may show: files inside the assessments folder, embedded in the page.
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 2_000_000
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")?\s*/?>')
CODE_PATTERN = re.compile(r"^(\d{2}|(ely|maakunta|evk)-\d{2}|national)$")
TEMPLATE = "assessments.html.j2"

_render = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def assessment_path(code: str, period: str, language: str = "fi", *, folder: Path | None = None) -> Path | None:
    """The assessment file for a document, or None if there is none.

    The language's own file (``<code>.<language>.md``) is preferred; the Finnish one
    (``<code>.md``) is the fallback for every language.
    """
    check_language(language)
    if not CODE_PATTERN.match(code):
        raise ParameterError(f"assessment code '{code}' is not an area code (36), a region (ely-07, "
                             "maakunta-10, evk-06) or 'national'")
    base = (folder or ASSESSMENTS_DIR) / period
    for name in ([f"{code}.{language}.md"] if language != "fi" else []) + [f"{code}.md"]:
        if (base / name).exists():
            return base / name
    return None


def fill_values(text: str, values: dict) -> str:
    """Replace ``{indicator_id}`` with the given formatted values; mark unknown ids visibly."""
    def replace(match):
        ident = match.group(1)
        return values.get(ident, f"⟨{ident}?⟩")
    return PLACEHOLDER.sub(replace, text)


def render_assessment(text: str, values: dict, *, folder: Path | None = None, dropped: list | None = None) -> str:
    """Markdown → safe HTML, after filling in indicator values.

    An image is shown only if it is a file in the text's own folder (`folder`) or below it,
    embedded in the page; any other (``http://…``, an absolute path, ``..``) is
    dropped, its alt text kept, and its address added to `dropped`.
    """
    rendered = _render(fill_values(text, values))

    def embed(match):
        # the alt text comes out of mistune escaped: it is markup here
        source, alt = urllib.parse.unquote(html.unescape(match.group(1))), Markup(match.group(2))
        data = _local_image(source, folder)
        if data is None:
            if dropped is not None:
                dropped.append(source)
            return render(TEMPLATE, "dropped_image", alt=alt)
        return render(TEMPLATE, "image", source=data, alt=alt)

    return _IMAGE.sub(embed, rendered)


def _local_image(source: str, folder: Path | None) -> str | None:
    """A ``data:`` URI of an image file inside `folder`, or None if `source` is not one."""
    if folder is None or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", source) or source.startswith(("/", "\\")):
        return None
    path = (folder / source).resolve()
    root = folder.resolve()
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None or root not in path.parents or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
        return None
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def read_assessment(path: Path) -> str:
    """An assessment's text, checked: UTF-8, and no larger than :data:`MAX_ASSESSMENT_BYTES`.

    Raises
    ------
    ParameterError
        Naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: an assessment must be a regular file")
    size = path.stat().st_size
    if size > MAX_ASSESSMENT_BYTES:
        raise ParameterError(f"{path}: {size:,} bytes; an assessment may have at most {MAX_ASSESSMENT_BYTES:,}")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParameterError(f"{path}: byte {error.start} is not UTF-8 text; save the file as UTF-8") from error


def check_assessments(paths) -> list[str]:
    """Every problem of the assessment files a build will read (all at once): encoding, size,
    images from outside the assessments folder (those are dropped, so they are warnings)."""
    problems = []
    for path in paths:
        try:
            text = read_assessment(path)
        except ParameterError as error:
            problems.append(str(error))
            continue
        dropped = []
        render_assessment(text, {}, folder=Path(path).parent, dropped=dropped)
        problems += [f"{path}: image {source[:80]!r} is not a file inside the assessments folder and is left out"
                     for source in dropped]
    return problems


def indicator_values(table, language: str = "fi") -> dict:
    """Formatted current values (with units) by indicator id, from an indicator table."""
    values = {}
    for row in table.to_dict("records"):
        values[row["indicator"]] = f"{format_number(row['value'], row['decimals'], language)} {row['unit']}".strip()
    return values


def assessment_html(code: str, period: str, table, language: str = "fi", *, folder: Path | None = None) -> Html:
    """The expert assessment section: the reviewer's text, or a clear placeholder."""
    path = assessment_path(code, period, language, folder=folder)
    if path is None:
        return render(TEMPLATE, "placeholder", language=language)
    body = render_assessment(read_assessment(path), indicator_values(table, language), folder=path.parent)
    return render(TEMPLATE, "assessment", body=Markup(body), language=language)
