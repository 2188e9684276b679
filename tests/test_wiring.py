"""How the library's parts are joined in the published documents."""

import numpy as np
import pytest

from ohti.documents import content
from ohti.errors import ParameterError
from ohti.paths import AREA_NOTEBOOK, REGION_NOTEBOOK
from ohti.publish.plan import plan_documents
from ohti.sources.checks import check_parameters


def test_time_series_carry_a_seasonally_adjusted_line():
    series = content.area_series("36", "unemployment_rate", "2023-10")
    assert series["area_adjusted"].notna().all()
    # STL removes the seasonal swing: the adjusted series varies less month to month.
    assert np.abs(np.diff(series["area_adjusted"])).mean() < np.abs(np.diff(series["area"])).mean()


def test_every_planned_document_has_parameters_its_notebook_declares():
    plan = plan_documents("2023-10", grouping="ely")
    kinds = {d["kind"] for d in plan}
    assert kinds == {"area", "region", "national"}
    assert sum(d["kind"] == "area" for d in plan) == 45 + 14  # bilingual areas in Finnish and Swedish
    for document in plan:
        check_parameters(document["notebook"], document["parameters"])


def test_unknown_parameters_are_refused():
    with pytest.raises(ParameterError, match="colour"):
        check_parameters(AREA_NOTEBOOK, {"area_code": "36", "period": "2023-10", "language": "fi", "colour": "red"})
    with pytest.raises(ParameterError, match="area_code"):
        check_parameters(REGION_NOTEBOOK, {"area_code": "36", "period": "2023-10", "language": "fi"})
