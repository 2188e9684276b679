"""The indicator registry: indicator definitions as data, validated when loaded.

The registry knows nothing about files of statistics; it only knows the names of the source
variables an expression may use.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

from ohti.errors import DefinitionError, UnknownIndicatorError
from ohti.i18n import LANGUAGES
from ohti.paths import PACKAGE_DIR, REGISTRY_PATH
from ohti.sources.variables import VARIABLES
from ohti.yamlsafe import load_yaml

STATISTICS = ("count", "proportion", "rate", "ratio", "mean", "difference")
POLARITIES = ("lower_is_better", "higher_is_better", "neutral")
KINDS = ("process", "output", "outcome", "impact", "context")
THEMES = ("job_seekers", "employers", "koto", "resources", "labour_market")
CI_METHODS = ("wilson", "byar", "none")
AVAILABILITY = ("public", "customer_register")
DERIVATIONS = {  # op → number of indicators it takes
    "change_year": 1, "moving_average_12": 1, "annual_average": 1, "ratio": 2,
}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PERIOD_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
OBJECTIVES_PATH = PACKAGE_DIR / "objectives.yaml"
TRANSLATED = ("name", "description", "interpretation", "unit")
REQUIRED = ("id", *TRANSLATED, "statistic", "multiplier", "numerator", "denominator", "polarity",
            "kind", "theme", "decimals", "source", "ci_method",
            "suppression_threshold", "legal_basis", "key")
#: Optional fields and their defaults.
OPTIONAL = {"availability": "public", "derive": None, "rule_version": None, "limits": None,
            "update_frequency": None, "key_reason": None, "comparison": None, "objectives": ()}
#: How a value is compared with the whole country's (``comparison``; see
#: :attr:`Indicator.comparison_method`): allowing for the variation between units beyond
#: chance, as the funnel plots do; by its own confidence interval alone; or not at all.
COMPARISONS = ("overdispersed", "interval", "none")
#: Fields the registry no longer takes: what they said is read from the loaded data.
RETIRED = {"first_period": "the periods an indicator covers are read from the loaded data (ohti indicators shows them)",
           "last_period": "the periods an indicator covers are read from the loaded data (ohti indicators shows them)"}


@dataclasses.dataclass(frozen=True)
class Indicator:
    """One validated registry entry."""

    id: str
    name: dict
    description: dict
    interpretation: dict
    unit: dict
    statistic: str
    multiplier: float
    numerator: tuple
    denominator: tuple
    polarity: str
    kind: str
    theme: str
    decimals: int
    source: str
    ci_method: str
    suppression_threshold: int
    legal_basis: str | None
    key: tuple
    availability: str = "public"
    derive: dict | None = None
    rule_version: str | None = None
    limits: dict | None = None
    update_frequency: str | None = None
    key_reason: str | None = None
    comparison: str | None = None
    objectives: tuple = ()

    def label(self, language: str = "fi") -> str:
        """The indicator's name in ``language``."""
        return self.name[language]

    @property
    def computable(self) -> bool:
        """True where public statistics can compute it (not customer-register indicators)."""
        return self.availability == "public"

    @property
    def comparison_method(self) -> str:
        """How the indicator's values are compared with the whole country's, wherever they are
        shown: the registry's ``comparison``, else by the statistic. A proportion or rate with a
        confidence interval is compared allowing for overdispersion (Spiegelhalter 2005: with
        45 areas of tens of thousands of people, an interval that knows only sampling error
        calls almost every area different); a count is never compared (its size says nothing
        against the nation's); anything without an interval is not compared."""
        if self.comparison:
            return self.comparison
        if self.statistic == "count" or self.ci_method == "none" or not self.denominator:
            return "none"
        return "overdispersed" if self.statistic in ("proportion", "rate") else "interval"

    @property
    def derive_inputs(self) -> tuple:
        """The indicators a derived indicator is computed from."""
        if not self.derive:
            return ()
        of = self.derive["of"]
        return tuple(of) if isinstance(of, list) else (of,)


def parse_expression(text) -> tuple:
    """Parse ``"a + b"`` into the tuple of variable names it sums; ``None`` gives ()."""
    if text is None:
        return ()
    return tuple(part.strip() for part in str(text).split("+"))


def _check_entry(entry, position, variables) -> list[str]:
    problems = []
    ident = entry.get("id") if isinstance(entry, dict) else None
    where = f"indicator '{ident}'" if ident else f"indicator #{position + 1}"
    if not isinstance(entry, dict):
        return [f"{where}: entry is {type(entry).__name__}, expected a mapping of fields"]

    def bad(field, rule):
        shown = repr(entry.get(field))
        shown = shown if len(shown) <= 80 else shown[:77] + "…"  # a short excerpt, never a whole value
        problems.append(f"{where}, field {field}: {shown} {rule}")

    for field in REQUIRED:
        if field not in entry:
            problems.append(f"{where}, field {field}: missing (required)")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL) - set(RETIRED)
    for field in sorted(unknown):
        problems.append(f"{where}, field {field}: unknown field (allowed: {', '.join([*REQUIRED, *OPTIONAL])})")
    availability = entry.get("availability", "public")
    if availability not in AVAILABILITY:
        bad("availability", f"is not one of {', '.join(AVAILABILITY)}")
    derive = entry.get("derive")
    if "id" in entry and not (isinstance(ident, str) and ID_PATTERN.match(ident)):
        bad("id", "is not snake_case (a-z, 0-9, _)")
    for field in TRANSLATED:
        value = entry.get(field)
        if field in entry and (not isinstance(value, dict) or any(
                not isinstance(value.get(lang), str) or (field != "unit" and not value.get(lang).strip())
                for lang in LANGUAGES)):
            bad(field, f"needs a text in each of {', '.join(LANGUAGES)}")
    for field, allowed in (("statistic", STATISTICS), ("polarity", POLARITIES), ("kind", KINDS),
                           ("theme", THEMES), ("ci_method", CI_METHODS), ("comparison", COMPARISONS)):
        if field in entry and entry[field] not in allowed:
            bad(field, f"is not one of {', '.join(allowed)}")
    if "multiplier" in entry and (isinstance(entry["multiplier"], bool) or not isinstance(entry["multiplier"], (int, float)) or entry["multiplier"] <= 0):
        bad("multiplier", "is not a positive number")
    if "decimals" in entry and (isinstance(entry["decimals"], bool) or not isinstance(entry["decimals"], int) or not 0 <= entry["decimals"] <= 6):
        bad("decimals", "is not a whole number 0…6")
    if "suppression_threshold" in entry and (isinstance(entry["suppression_threshold"], bool) or not isinstance(entry["suppression_threshold"], int) or entry["suppression_threshold"] < 0):
        bad("suppression_threshold", "is not a whole number ≥ 0")
    if derive is not None:
        problems += _check_derive(entry, where, derive)
    elif availability == "public":
        for field in ("numerator", "denominator"):
            if field not in entry or (field == "denominator" and entry[field] is None):
                continue
            for name in parse_expression(entry[field]):
                if name not in variables:
                    bad(field, f"uses '{name}', which is not a source variable (see ohti.sources.VARIABLES)")
        if entry.get("numerator") is None and "numerator" in entry:
            bad("numerator", "is required (a source variable or a sum of them)")
        if entry.get("statistic") == "count" and entry.get("denominator") is not None:
            bad("denominator", "must be null for a count")
        if entry.get("statistic") in ("proportion", "rate", "ratio") and "denominator" in entry and entry["denominator"] is None:
            bad("denominator", f"is required for a {entry['statistic']}")
    else:  # customer register: the definition is words, checked for presence only
        for field in ("numerator", "denominator"):
            if field in entry and not (isinstance(entry[field], str) and entry[field].strip()):
                bad(field, "must describe the register concept in words")
    for field, why in RETIRED.items():
        if field in entry:
            bad(field, f"is no longer written in the registry: {why}; remove the line")
    objectives = entry.get("objectives", [])
    if not isinstance(objectives, list) or any(o not in objective_ids() for o in objectives):
        bad("objectives", f"is not a list of national objectives ({', '.join(objective_ids())}; see ohti/objectives.yaml)")
    if "key" in entry and (not isinstance(entry["key"], list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in entry["key"])):
        bad("key", "is not a list of years")
    return problems


def _check_derive(entry, where, derive) -> list[str]:
    problems = []
    if not isinstance(derive, dict) or derive.get("op") not in DERIVATIONS:
        return [f"{where}, field derive: {derive!r} needs an op, one of {', '.join(DERIVATIONS)}"]
    of = derive.get("of")
    inputs = of if isinstance(of, list) else [of]
    if len(inputs) != DERIVATIONS[derive["op"]] or not all(isinstance(i, str) for i in inputs):
        problems.append(f"{where}, field derive: 'of' of {derive['op']} must name {DERIVATIONS[derive['op']]} indicator(s), not {of!r}")
    unknown = set(derive) - {"op", "of", "relative"}
    if unknown:
        problems.append(f"{where}, field derive: unknown key(s) {', '.join(sorted(unknown))} (allowed: op, of, relative)")
    for field in ("numerator", "denominator"):
        if entry.get(field) is not None:
            problems.append(f"{where}, field {field}: {entry[field]!r} must be null for a derived indicator")
    return problems


def _check_references(document) -> list[str]:
    """Derived indicators must name defined, computable indicators, without cycles."""
    entries = {e.get("id"): e for e in document["indicators"] if isinstance(e, dict)}
    problems = []
    for ident, entry in entries.items():
        derive = entry.get("derive")
        if not isinstance(derive, dict):
            continue
        of = derive.get("of")
        for name in (of if isinstance(of, list) else [of]):
            if name not in entries:
                problems.append(f"indicator '{ident}', field derive: {name!r} is not a defined indicator")
            elif entries[name].get("availability", "public") != "public":
                problems.append(f"indicator '{ident}', field derive: {name!r} needs customer-register data")
        seen, todo = set(), [ident]
        while todo:
            current = todo.pop()
            nxt = entries.get(current, {}).get("derive")
            if not isinstance(nxt, dict):
                continue
            for name in (nxt.get("of") if isinstance(nxt.get("of"), list) else [nxt.get("of")]):
                if name == ident:
                    problems.append(f"indicator '{ident}', field derive: derivation refers back to itself")
                    todo = []
                    break
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
    return problems


def validate_registry(document, variables) -> list[str]:
    """Every problem of a registry document, as messages naming indicator, field and value."""
    if not isinstance(document, dict) or not isinstance(document.get("indicators"), list):
        return ["the file must be a mapping with a list under 'indicators'"]
    problems = []
    seen = set()
    for position, entry in enumerate(document["indicators"]):
        problems += _check_entry(entry, position, variables)
        ident = entry.get("id") if isinstance(entry, dict) else None
        if ident in seen:
            problems.append(f"indicator '{ident}', field id: {ident!r} is defined twice")
        seen.add(ident)
    if not problems:
        problems += _check_references(document)
    return problems


def availability_is_register(entry) -> bool:
    return entry.get("availability", "public") == "customer_register"


def parse_registry(text: str, variables, origin: str = "registry") -> dict[str, Indicator]:
    """Parse and validate registry YAML text; raise :class:`DefinitionError` with all problems."""
    try:
        document = load_yaml(text, origin)
    except DefinitionError as error:  # the registry's own story: "indicator registry: <file>, line …"
        raise DefinitionError([f"{origin}, {problem}" for problem in error.problems]) from error
    problems = validate_registry(document, variables)
    if problems:
        raise DefinitionError(problems)
    indicators = {}
    for entry in document["indicators"]:
        fields = dict(entry)
        fields["numerator"] = parse_expression(entry["numerator"])
        fields["denominator"] = parse_expression(entry["denominator"])
        fields["key"] = tuple(entry["key"])
        fields["objectives"] = tuple(entry.get("objectives", ()))
        if availability_is_register(entry):
            fields["numerator"] = (entry["numerator"],)
            fields["denominator"] = (entry["denominator"],) if entry["denominator"] else ()
        indicators[entry["id"]] = Indicator(**fields)
    return indicators


@dataclasses.dataclass(frozen=True)
class Objective:
    """One of TEM's national objectives 2025–2027 (``ohti/objectives.yaml``)."""

    id: str
    name: dict
    limits: dict

    def label(self, language: str = "fi") -> str:
        return self.name[language]


@functools.lru_cache(maxsize=1)
def load_objectives() -> dict[str, Objective]:
    """The national objectives in their order; raise :class:`DefinitionError` naming each problem."""
    document = load_yaml(OBJECTIVES_PATH.read_text(encoding="utf-8"), str(OBJECTIVES_PATH))
    entries = document.get("objectives") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DefinitionError([f"{OBJECTIVES_PATH}: needs a list under 'objectives'"])
    problems, objectives = [], {}
    for position, entry in enumerate(entries):
        where = f"{OBJECTIVES_PATH}, objective #{position + 1}"
        if not isinstance(entry, dict) or set(entry) != {"id", "name", "limits"}:
            problems.append(f"{where}: needs exactly the fields id, name, limits")
            continue
        for field in ("name", "limits"):
            if not isinstance(entry[field], dict) or any(not str(entry[field].get(lang) or "").strip() for lang in LANGUAGES):
                problems.append(f"{where}, field {field}: needs a text in each of {', '.join(LANGUAGES)}")
        objectives[entry["id"]] = Objective(entry["id"], entry["name"], entry["limits"])
    if problems:
        raise DefinitionError(problems)
    return objectives


def objective_ids() -> tuple:
    return tuple(load_objectives())


@functools.lru_cache(maxsize=4)
def load_registry(path: str | None = None) -> dict[str, Indicator]:
    """Load and validate the indicator registry (the shipped ``indicators.yaml`` by default)."""
    file = Path(path) if path else REGISTRY_PATH
    return parse_registry(file.read_text(encoding="utf-8"), set(VARIABLES), str(file))


def get_indicator(indicator_id: str) -> Indicator:
    """One indicator by id; raise :class:`UnknownIndicatorError` if there is none."""
    registry = load_registry()
    if indicator_id not in registry:
        raise UnknownIndicatorError(indicator_id, registry)
    return registry[indicator_id]


def key_year_for(period: str) -> int | None:
    """The key set a document of ``period`` uses: that year's, or the latest one before it."""
    years = sorted({year for indicator in load_registry().values() for year in indicator.key})
    earlier = [year for year in years if year <= int(str(period)[:4])]
    return earlier[-1] if earlier else (years[0] if years else None)


def indicator_ids(key_year: int | None = None, *, computable: bool | None = None) -> list[str]:
    """Ids in registry order, optionally only the key set of ``key_year`` and only those
    public statistics can (``computable=True``) or cannot (``False``) compute."""
    return [i.id for i in load_registry().values()
            if (key_year is None or key_year in i.key) and (computable is None or i.computable == computable)]
