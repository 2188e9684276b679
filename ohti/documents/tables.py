"""HTML tables for documents: escaped text, numbers formatted for the reader and right-aligned."""

from __future__ import annotations

import html


def html_table(rows, columns, *, caption: str | None = None) -> str:
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
    str
        ``<table>`` markup; every cell is escaped.
    """
    head = "".join(
        (f'<th scope="col" class="num">{html.escape(header)}</th>' if is_number
         else f'<th scope="col">{html.escape(header)}</th>')
        for _, header, is_number in columns
    )
    body = []
    for row in rows:
        cells = []
        for position, (key, _, is_number) in enumerate(columns):
            text = html.escape(str(row.get(key, "")))
            if position == 0:
                link = row.get("link")
                if link:
                    text = f'<a href="{html.escape(link, quote=True)}">{text}</a>'
                cells.append(f'<th scope="row">{text}</th>')
            else:
                css = "num" if is_number else ("note" if key == "note" else "")
                cells.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
