"""Expert assessments: the reviewer's written judgement, included in the documents.

A reviewer writes Markdown under ``parameters/assessments/<period>/<code>.md`` (Swedish or
English texts as ``<code>.sv.md`` / ``<code>.en.md``), where ``<code>`` is an employment-area
code (``36``), a region as ``<grouping>-<code>`` (``ely-07``, ``maakunta-10``, ``evk-06``), or
``national``. ``parameters/assessments/TEMPLATE.md`` suggests the sections: strengths,
development needs, recommendations.

The text may refer to an indicator by id in braces, ``{unemployment_rate}``, and the document
fills in the current value with its unit. The Markdown is rendered with raw HTML escaped and
unsafe link schemes dropped, so no markup or script from the text reaches the document.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import mistune

from .errors import ParameterError
from .i18n import check_language, format_number, label
from .paths import ASSESSMENTS_DIR
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
CODE_PATTERN = re.compile(r"^(\d{2}|(ely|maakunta|evk)-\d{2}|national)$")

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


def render_assessment(text: str, values: dict) -> str:
    """Markdown → safe HTML, after filling in indicator values."""
    return _render(fill_values(text, values))


def indicator_values(table, language: str = "fi") -> dict:
    """Formatted current values (with units) by indicator id, from an indicator table."""
    values = {}
    for row in table.to_dict("records"):
        values[row["indicator"]] = f"{format_number(row['value'], row['decimals'], language)} {row['unit']}".strip()
    return values


def assessment_html(code: str, period: str, table, language: str = "fi", *, folder: Path | None = None) -> str:
    """The expert assessment section: the reviewer's text, or a clear placeholder."""
    path = assessment_path(code, period, language, folder=folder)
    heading = f"<h2>{html.escape(label('expert_assessment', language))}</h2>"
    if path is None:
        return (f'{heading}<p class="placeholder"><strong>{html.escape(label("assessment_placeholder", language))}'
                f"</strong> {html.escape(label('assessment_how', language, path=f'parameters/assessments/{period}/{code}.md'))}</p>")
    body = render_assessment(path.read_text(encoding="utf-8"), indicator_values(table, language))
    return f'{heading}<div class="assessment">{body}</div>'
