"""Document fragments from Jinja2 templates with autoescape.

The fragments of the documents (a section's table, its footnotes, a title block, the "about"
section) are macros in ``ohti/documents/templates/``, one file per module that writes HTML, one
macro per fragment:

- ``tables.html.j2``: the table of :func:`ohti.documents.tables.html_table`;
- ``sections.html.j2``: the sections of :mod:`ohti.documents.sections` and the small pieces the
  other files share (``paragraph``, ``footnotes``, ``title_block``);
- ``validity.html.j2``, ``process.html.j2``, ``assessments.html.j2``: those of
  :mod:`~ohti.documents.validity_section`, :mod:`~ohti.documents.process_section` and
  :mod:`~ohti.documents.assessments`.

A module shapes the data (rows, numbers formatted for the reader, the notes to number) and calls
a macro with :func:`render`; the macro writes the markup and looks up the fixed words itself
(``label("period", language)``). The i18n helpers :func:`~ohti.i18n.label`,
:func:`~ohti.i18n.format_number` and :func:`~ohti.i18n.format_period` are the templates' globals.

Escaping. Every ``{{ value }}`` is escaped once, by the environment, never by hand: a plain
string (a name, a label) is escaped; an :class:`Html` fragment (a table inside a section, a
figure) or a :class:`markupsafe.Markup` value (the rendered text of an assessment) is taken as
markup. The escape is the standard library's :func:`html.escape`, the one the documents were
written with, so that the published pages keep their bytes (MarkupSafe's own writes ``&#34;``
and ``&#39;`` for quotes where ``html.escape`` writes ``&quot;`` and ``&#x27;``). The one place
MarkupSafe still escapes is an expression that joins plain strings with markup (``a ~ b`` or
``join`` over a list holding an :class:`Html`): join plain strings only, or loop.

Whitespace. The fragments are written without line breaks, so a template breaks its lines only
next to a tag that strips them: ``{%- … -%}``, ``{{- … }}``, ``{#- … -#}``. A literal line
followed by another literal line would put a line break into the page. ``trim_blocks`` and
``lstrip_blocks`` are on, as a second line of defence for a block tag written without ``-``.
"""

from __future__ import annotations

import functools
import html

import jinja2
from markupsafe import Markup

from ohti.documents.display import Html
from ohti.i18n import format_number, format_period, label
from ohti.paths import PACKAGE_DIR

TEMPLATES_DIR = PACKAGE_DIR / "documents" / "templates"

__all__ = ["Html", "TEMPLATES_DIR", "environment", "render"]


def _escape(value):
    """What ``{{ value }}`` writes: markup as it is, anything else as escaped text."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The fragments' environment: autoescape, undefined names fail, helpers as globals."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        finalize=_escape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(label=label, format_number=format_number, format_period=format_period)
    return env


@functools.lru_cache(maxsize=None)
def _macros(template: str):
    return environment().get_template(template).module


def render(template: str, macro: str, /, **values) -> Html:
    """Call macro `macro` of `template` with `values`; the fragment it writes.

    Parameters
    ----------
    template : str
        A file in ``ohti/documents/templates/``, e.g. ``"sections.html.j2"``.
    macro : str
        A macro of that file, e.g. ``"footnotes"``.
    **values
        The macro's arguments, by name. Plain strings are escaped; :class:`Html` and
        :class:`markupsafe.Markup` values are markup.

    Returns
    -------
    Html

    Raises
    ------
    TypeError
        For an argument the macro does not take.
    jinja2.UndefinedError
        For an argument the macro uses and was not given.

    Examples
    --------
    >>> render("sections.html.j2", "paragraph", text="Työttömät & lomautetut")
    '<p>Työttömät &amp; lomautetut</p>'
    """
    return Html(getattr(_macros(template), macro)(**values))
