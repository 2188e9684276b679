"""HTML fragments that display themselves, and how the notebooks show them.

:class:`Html` is the type of a document fragment (a section, a table, a figure): a ``str``, so
it concatenates, compares and is written like any string, that also displays itself as HTML in
JupyterLab (``_repr_html_``) and is taken as markup, not escaped, by Jinja2 and MarkupSafe
(``__html__``). A researcher who evaluates ``sections.heading("summary", "en")`` in a cell
sees the heading, not its source.

:func:`show` is how the notebooks put fragments into a document: ``show(heading, table)``
displays the fragments, in order, as one HTML output, and returns ``None``. One output, because
nbconvert wraps each output in its own ``<div class="output_area">``: a heading shown as an
output of its own is a block the PDF's page breaks cannot keep with what follows it, and it
was left alone at the foot of a page. It does not return one joined :class:`Html` for the
cell's last expression to display, because a displayed last expression becomes an
``execute_result`` output (rendered with the class ``output_execute_result``, stored with an
``Out[n]`` count) where ``display`` gives a plain ``display_data`` output. As it displays when
called, ``show`` works anywhere in a cell, in a loop too, not only last.
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
    """Display `parts`, in order, as one HTML output (see the module's docstring).

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

    display(HTML("".join(str(part) for part in parts)))
