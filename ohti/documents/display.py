"""HTML fragments that display themselves, and how the notebooks show them.

:class:`Html` is the type of a document fragment (a section, a table, a figure): a ``str``, so
it concatenates, compares and is written like any string, that also displays itself as HTML in
JupyterLab (``_repr_html_``) and is taken as markup, not escaped, by Jinja2 and MarkupSafe
(``__html__``). A researcher who evaluates ``sections.heading("summary", "en")`` in a cell
sees the heading, not its source.

:func:`show` is how the notebooks put fragments into a document: ``show(heading, table)``
displays each fragment as its own output, in order, and returns ``None``. It does not return
one joined :class:`Html` for the cell's last expression to display, because the published page
must not change when the notebooks do, and both halves of that would change it:

- a cell's displayed last expression becomes an ``execute_result`` output, which nbconvert
  renders with the class ``output_execute_result`` and the ipynb stores with an ``Out[n]``
  count, where ``display`` gives a ``display_data`` output without either;
- nbconvert wraps each output in its own ``<div class="output_area">``, so fragments joined
  into one output make different markup from the same fragments shown one by one.

So ``show`` calls :func:`IPython.display.display` with one :class:`IPython.display.HTML` per
fragment, exactly what the notebooks' ``display(HTML(...))`` lines did (the same
``text/html`` and ``text/plain`` data), and a cell still reads as what it shows:
``show(sections.heading("summary", language), sections.indicator_table_html(key, language))``.
As it displays when called, ``show`` works anywhere in a cell, in a loop too, not only last.
"""

from __future__ import annotations


class Html(str):
    """An HTML fragment: a ``str`` that JupyterLab renders and Jinja2 does not escape.

    Examples
    --------
    >>> fragment = Html("<p>Työttömyysaste</p>")
    >>> fragment._repr_html_()
    '<p>Työttömyysaste</p>'
    >>> fragment + "<p>10,8</p>"
    '<p>Työttömyysaste</p><p>10,8</p>'
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)

    def __html__(self) -> str:
        return str(self)


def show(*parts: str) -> None:
    """Display each of `parts` as one HTML output, in order (see the module's docstring).

    Parameters
    ----------
    *parts : str or Html
        HTML fragments, e.g. the sections of :mod:`ohti.documents.sections`.

    Returns
    -------
    None
        Nothing: the fragments are displayed, so a cell's output does not depend on where in
        the cell ``show`` stands.

    Examples
    --------
    In a notebook cell::

        show(sections.heading("koto", language),
             sections.indicator_table_html(table[table["theme"] == "koto"], language))
    """
    from IPython.display import HTML, display  # IPython is the kernel's; the command line needs none

    for part in parts:
        display(HTML(str(part)))
