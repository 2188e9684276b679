"""Which documents a build makes: the area documents, the regional documents of a grouping and
the national overview, each in its languages.

A plan is a list of document specs (dicts) that the build runs: ``kind`` (area, region,
national), ``code`` (the output file stem without language: ``36``, ``ely-07``,
``national``), ``name``, ``group`` (the heading the index lists it under), ``language``,
``notebook`` and the notebook's ``parameters``.
"""

from __future__ import annotations

from ohti.errors import ParameterError
from ohti.i18n import check_language, label
from ohti.paths import AREA_NOTEBOOK, NATIONAL_NOTEBOOK, REGION_NOTEBOOK, VALIDITY_NOTEBOOK
from ohti.sources import areas
from ohti.sources.areas import check_grouping, document_languages

DEFAULT_GROUPING = "ely"


def _languages(level: str, code: str, language: str | None) -> list[str]:
    return [check_language(language)] if language else document_languages(level, code)


def area_codes(spec: str = "all") -> list[str]:
    """'all' or comma-separated employment-area codes → checked, ordered codes.

    Raises
    ------
    ParameterError
        For an empty selection (nothing would be built, and the index would be empty).
    """
    if spec.strip().lower() == "all":
        return list(areas.units("area").index)
    codes = [c.strip() for c in spec.split(",") if c.strip()]
    if not codes:
        raise ParameterError("--areas is empty: give 'all' or employment-area codes such as 01,36 "
                             "(list them with: ohti areas --level area)")
    return areas.check_codes("area", codes)


def region_codes(grouping: str) -> list[str]:
    """The regions of a grouping that contain at least one employment area (not Åland)."""
    check_grouping(grouping)
    units = areas.units("area")
    codes = set()
    for joined in units[f"{grouping}_code"]:
        codes.update(joined.split(";"))
    return sorted(codes)


def plan_documents(period: str, *, codes: str = "all", grouping: str | None = None,
                   language: str | None = None, validity: bool = False) -> list[dict]:
    """The documents of one build.

    Parameters
    ----------
    codes : str
        'all' or comma-separated area codes for the area documents.
    grouping : str, optional
        ely, maakunta or evk: also the regional documents of that grouping and the national
        overview. Without it, only area documents.
    validity : bool
        Also the indicator validity document (:func:`validity_documents`).
    language : str, optional
        Build every document in this language only; by default each document follows its
        language status (bilingual areas and regions in Finnish and Swedish; the national
        overview in both).
    """
    plan = []
    area_names = areas.units("area")
    ely_names = areas.units("ely")
    grouping_names = areas.units(grouping) if grouping else None
    for code in area_codes(codes):
        first_region = area_names.at[code, f"{grouping or 'ely'}_code"].split(";")[0]
        for lang in _languages("area", code, language):
            group_table = grouping_names if grouping else ely_names
            plan.append({
                "kind": "area", "code": code, "language": lang,
                "name": area_names.at[code, f"name_{lang}"],
                "group": group_table.at[first_region, f"name_{lang}"],
                "notebook": AREA_NOTEBOOK,
                "parameters": {"area_code": code, "period": period, "language": lang},
            })
    if grouping:
        check_grouping(grouping)
        for code in region_codes(grouping):
            for lang in _languages(grouping, code, language):
                plan.append({
                    "kind": "region", "code": f"{grouping}-{code}", "language": lang,
                    "name": grouping_names.at[code, f"name_{lang}"],
                    "group": label(f"grouping_{grouping}", lang),
                    "notebook": REGION_NOTEBOOK,
                    "parameters": {"grouping": grouping, "region_code": code, "period": period, "language": lang},
                })
        for lang in [language] if language else ["fi", "sv"]:
            plan.append({
                "kind": "national", "code": "national", "language": lang,
                "name": label("national", lang), "group": label("national_document_title", lang),
                "notebook": NATIONAL_NOTEBOOK,
                "parameters": {"period": period, "language": lang},
            })
    if validity:
        plan.extend(validity_documents(period, language))
    return plan


def validity_documents(period: str, language: str | None = None) -> list[dict]:
    """The indicator validity document (one for the whole registry), in ``language`` or Finnish.

    It is built like the national overview: one document, code ``validity``, the notebook
    ``notebooks/indicator_validity.ipynb``.
    """
    return [{
        "kind": "validity", "code": "validity", "language": lang,
        "name": label("validity_document_title", lang), "group": label("researchers_section", lang),
        "notebook": VALIDITY_NOTEBOOK,
        "parameters": {"period": period, "language": lang},
    } for lang in ([check_language(language)] if language else ["fi"])]
