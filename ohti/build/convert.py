"""Converting an executed notebook into one self-contained HTML page (outputs only, never code)
and printing that page to PDF with WeasyPrint, which may read nothing but the page itself.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import jinja2
import nbformat
from bs4 import BeautifulSoup
from markupsafe import Markup

from ohti._files import replacing
from ohti.build.execute import _source_date_epoch_set
from ohti.build.results import _first_line
from ohti.errors import BuildError, ParameterError
from ohti.paths import TEMPLATES_DIR

#: Output formats a build can publish.
FORMATS = ("html", "pdf")


DOCUMENT_TEMPLATE = "document.html.j2"


#: Cell tags honoured when converting to HTML (the Jupyter Book spellings and their snake_case).
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})


REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})


#: Output types chosen for the page, best first. JavaScript and widgets are left out: the page
#: carries no scripts, so an output that also has a static form shows that form instead.
DISPLAY_PRIORITY = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/latex",
    "text/plain",
)


#: The alternative text nbconvert gives an image that has none; it is replaced by ours.
NBCONVERT_PLACEHOLDER_ALT = "No description has been provided for this image"


#: Words of the page templates by language.
LABELS = {
    "fi": {
        "figure": "Kuvio",
        "title": "Alueraportit {period}",
        "summary": "Asiakirjoja: {total}, epäonnistuneita: {failed}",
        "code": "Koodi",
        "name": "Alue",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Tila",
        "ok": "Valmis",
        "failed": "Epäonnistui",
        "other": "Muut",
    },
    "sv": {
        "figure": "Figur",
        "title": "Regionala rapporter {period}",
        "summary": "Dokument: {total}, misslyckade: {failed}",
        "code": "Kod",
        "name": "Område",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Status",
        "ok": "Klar",
        "failed": "Misslyckades",
        "other": "Övriga",
    },
    "en": {
        "figure": "Figure",
        "title": "Area reports {period}",
        "summary": "Documents: {total}, failed: {failed}",
        "code": "Code",
        "name": "Area",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Status",
        "ok": "Done",
        "failed": "Failed",
        "other": "Other",
    },
}


def notebook_to_html(nb, *, title: str, language: str = "fi", about: str | None = None) -> str:
    """Turn an executed notebook into one self-contained HTML page, showing outputs only.

    Code cells show their outputs, never their code; markdown cells are shown. Outputs to
    stderr (warnings) are left out, as are cells tagged ``remove-cell`` and outputs of cells
    tagged ``remove-output``. The page has no scripts and loads nothing: the stylesheet is
    embedded and images must be data URLs. Every image gets an alternative text: one without
    gets the word for "figure" in `language`.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook; it is not modified.
    title : str
        Text of the page's ``<title>`` (the notebook shows its own headings).
    language : {'fi', 'sv', 'en'}
        Language of the page (its ``lang`` attribute and the fallback alternative text).
    about : str, optional
        An HTML fragment placed at the end of the page in ``<footer class="about">`` (sources,
        methods, date). It is inserted as given, not escaped.

    Returns
    -------
    str
        The page, starting with ``<!DOCTYPE html>``.

    Raises
    ------
    ParameterError
        `language` is not one of the supported languages.
    """
    labels = _labels(language)
    body, _ = _exporter().from_notebook_node(_without_stderr(nb))
    body = _clean_body(body, fallback_alt=labels["figure"])
    return (
        _templates()
        .get_template(DOCUMENT_TEMPLATE)
        .render(
            language=language,
            title=title,
            body=Markup(body),  # noqa: S704 - our own exporter's output, cleaned above
            about=Markup(about) if about else None,  # noqa: S704 - trusted fragment, see docstring
        )
    )


def local_only_fetcher():
    """WeasyPrint's URL fetcher for ohti's pages, which carry everything they show: ``data:``
    URIs are read, anything else (http, file, ftp) is refused, so printing a page never
    fetches or embeds content from elsewhere."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and newer
        return urls.URLFetcher(allowed_protocols=("data",))

    def fetch(url, *args, **kwargs):  # older WeasyPrint: a function
        if not str(url).startswith("data:"):
            raise ValueError(f"{str(url)[:80]!r}: ohti's documents load nothing from outside the page")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


#: Tagged PDF for assistive technology (PDF/UA-1): a structure tree from the page's HTML,
#: alternative texts of the charts, the document's language and title, and bookmarks from the
#: headings. The Act on the Provision of Digital Services (306/2019) asks for accessible
#: documents; WeasyPrint writes the tags.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, pdf_path, *, base_url=None) -> Path:
    """Print an HTML page to a tagged PDF (:data:`PDF_VARIANT`) with WeasyPrint, writing the
    file atomically.

    The same page gives the same bytes: the fonts embedded in the PDF carry the date
    :func:`source_date_epoch`, not the time of printing.

    Parameters
    ----------
    html : str
        The page, e.g. from :func:`notebook_to_html`.
    pdf_path : str or pathlib.Path
        The PDF file to write; its folder is created if needed.
    base_url : str, optional
        Base for relative URLs in `html`. Pages from :func:`notebook_to_html` have none.

    Returns
    -------
    pathlib.Path
        `pdf_path`.

    Raises
    ------
    BuildError
        WeasyPrint could not lay out or write the page.
    """
    import weasyprint

    pdf_path = Path(pdf_path)
    with replacing(pdf_path) as temporary, _source_date_epoch_set():
        try:
            weasyprint.HTML(string=html, base_url=base_url, url_fetcher=local_only_fetcher()).write_pdf(
                str(temporary), pdf_variant=PDF_VARIANT)
        except Exception as error:  # WeasyPrint has no error hierarchy of its own
            raise BuildError(
                f"{pdf_path}: WeasyPrint could not print the page "
                f"({type(error).__name__}: {_first_line(error)})"
            ) from error
    return pdf_path


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/;,:'\"()]+/)+([^\s/;,:'\"()]+)")


def without_paths(text: str | None) -> str | None:
    """A message with every absolute path shortened to its file name: a published page never
    shows the folders of the machine that built it."""
    return None if text is None else _ABSOLUTE_PATH.sub(r"\1", str(text))


def _labels(language: str) -> dict:
    try:
        return LABELS[language]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unsupported language {language!r}; choose one of {', '.join(LABELS)}"
        ) from None


@functools.lru_cache(maxsize=1)
def _exporter():
    """The HTML exporter, made once per process: outputs only, no prompts, no anchors."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = list(DISPLAY_PRIORITY)
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    return exporter


def render_template(name: str, **context) -> str:
    """Render one of ohti's page templates (autoescaped; the house stylesheet is included)."""
    return _templates().get_template(name).render(**context)


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _without_stderr(nb):
    """A copy of `nb` without stderr stream outputs (warnings do not belong in the document)."""
    nb = copy.deepcopy(nbformat.from_dict(nb))
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                output
                for output in cell.get("outputs", [])
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]
    return nb


def _clean_body(body: str, *, fallback_alt: str) -> str:
    """Remove scripts and external stylesheets; give every image an alternative text."""
    soup = BeautifulSoup(body, features="html.parser")
    for element in soup.find_all(["script", "link"]):
        element.decompose()
    for image in soup.find_all("img"):
        alt = (image.get("alt") or "").strip()
        if not alt or alt == NBCONVERT_PLACEHOLDER_ALT:
            image["alt"] = fallback_alt
    return str(soup)

