"""Build the evaluation documents of a period: one per employment area, and the index."""

from __future__ import annotations

import dataclasses
import os

from . import areas
from .compute import check_periods
from .errors import ParameterError
from .i18n import check_language, label
from .paths import AREA_NOTEBOOK, OUTPUTS_DIR
from .catalogue import write_catalogue
from .sources import latest_complete_period

FORMATS = ("html", "pdf")


@dataclasses.dataclass
class BuildSummary:
    """What a build produced: one result per document, and where the index is."""

    period: str
    results: list
    index: str

    @property
    def failed(self) -> list:
        return [r for r in self.results if r["status"] != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        done = len(self.results) - len(self.failed)
        seconds = sum(r.get("seconds") or 0 for r in self.results)
        lines = [f"built {done} of {len(self.results)} documents for {self.period} "
                 f"({seconds:.0f} s of work); index: {self.index}"]
        lines += [f"FAILED {r['code']} ({r['name']}): {r['error']}" for r in self.failed]
        return "\n".join(lines)


def parse_area_codes(spec: str) -> list[str]:
    """'all' or comma-separated employment-area codes → checked, ordered codes."""
    if spec.strip().lower() == "all":
        return list(areas.units("area").index)
    return areas.check_codes("area", [c for c in spec.split(",") if c.strip()])


def parse_formats(formats) -> tuple:
    """Check the requested output formats (html, pdf)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ParameterError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(FORMATS)}")
    if "pdf" in formats and "html" not in formats:
        formats = ("html", *formats)  # the PDF is made from the HTML
    return tuple(formats)


def build_area_documents(codes: str = "all", period: str | None = None, formats=FORMATS, jobs: int | None = None,
                         language: str = "fi", progress: bool = True, outputs_dir=None) -> BuildSummary:
    """Execute the area notebook once per area and publish HTML, PDF and the index.

    Parameters
    ----------
    codes : str
        'all' or comma-separated employment-area codes.
    period : str, optional
        Month 'YYYY-MM'; the latest month with complete data by default.
    formats : tuple of str
        Any of 'html', 'pdf'.
    jobs : int, optional
        Documents built in parallel; the number of CPUs by default.
    language : str
        fi, sv or en.

    Returns
    -------
    BuildSummary
    """
    from . import build  # heavy imports (papermill, weasyprint) only when building

    codes = parse_area_codes(codes)
    period = check_periods([period])[0] if period else latest_complete_period()
    formats = parse_formats(formats)
    check_language(language)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, not {jobs}")
    outputs_dir = outputs_dir or OUTPUTS_DIR
    names = areas.units("area")
    ely_names = areas.units("ely")[f"name_{language}"]
    group = {code: " / ".join(ely_names[c] for c in names.at[code, "ely_code"].split(";")) for code in codes}
    specs = [{"code": code, "name": names.at[code, f"name_{language}"], "group": group[code],
              "parameters": {"area_code": code, "period": period, "language": language}}
             for code in codes]
    results = build.build_documents(specs, period=period, formats=formats, jobs=jobs,
                                    outputs_dir=outputs_dir, notebook=AREA_NOTEBOOK, progress=progress)
    index = os.path.join(outputs_dir, period, "index.html")
    entries = [{**r, "group": group[r["code"]]} for r in results]
    catalogue = write_catalogue(outputs_dir)
    build.write_index(entries, period, index, title=f"{label('document_title', language)} {period}",
                      language=language,
                      links=[(label("catalogue", language), os.path.relpath(catalogue, os.path.dirname(index)))])
    return BuildSummary(period, results, index)
