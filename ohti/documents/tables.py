"""HTML tables for documents: escaped text, numbers formatted for the reader and right-aligned.

The markup is the ``table`` macro of ``templates/tables.html.j2`` (see
:mod:`ohti.documents.templating`).
"""

from __future__ import annotations

from ohti.documents.templating import Html, render


def html_table(rows, columns, *, caption: str | None = None) -> Html:
    """Render rows as an accessible HTML table.

    Parameters
    ----------
    rows : iterable of dict
        Cell values, already formatted as text. A row's optional ``link`` makes its first
        cell a link.
    columns : list of (key, header, is_number)
        Which keys to show, their headers, and whether the column holds numbers
        (right-aligned, class ``num``).
    caption : str, optional
        The table's caption.

    Returns
    -------
    Html
        ``<table>`` markup; every cell is escaped (a cell is shown as text, even one that
        holds markup).

    Examples
    --------
    >>> html_table([{"name": "Kainuu & Koillismaa", "value": "10,8"}],
    ...            [("name", "Alue", False), ("value", "%", True)])
    '<table><thead><tr><th scope="col">Alue</th><th scope="col" class="num">%</th></tr></thead><tbody><tr><th scope="row">Kainuu &amp; Koillismaa</th><td class="num">10,8</td></tr></tbody></table>'
    """
    cells = [{"link": row.get("link"), "cells": {key: str(row.get(key, "")) for key, _, _ in columns}}
             for row in rows]
    return render("tables.html.j2", "table", rows=cells, columns=columns, caption=caption)
