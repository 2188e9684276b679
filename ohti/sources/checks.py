"""Check input files and run parameters before anything is computed or written.

``ohti validate [PATH ...]`` recognises each file's kind from its header, runs the loader that
reads that kind (:mod:`ohti.sources`, :mod:`ohti.sources.areas`) and lists every problem of every file,
one line each: ``FILE: row R, column C: 'V' RULE``. The rules are the loaders' own, so a file
that validates is a file ohti reads, and a file that does not is refused by the loader with the
same messages.

Run parameters (YAML) are read with a safe loader and checked against the parameters the
notebook declares in its cell tagged ``parameters``: Papermill only warns about a parameter the
notebook does not declare; ohti refuses it, names it and lists the allowed ones.

References
----------
pandera: lazy validation, every failure of a table reported at once
(https://pandera.readthedocs.io/en/stable/lazy_validation.html).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import json
import os
from pathlib import Path
from typing import Callable

import yaml

from ohti.errors import ParameterError, SourceDataError
from ohti.paths import DATA_DIR
from ohti.sources import areas, loaders, variables
from ohti.sources.files import read_rows, shipped_path

#: A header matches a kind when at least this share of the kind's columns is present.
MIN_HEADER_MATCH = 0.5


@dataclasses.dataclass(frozen=True)
class FileKind:
    """A kind of input file: how to recognise it and how to check it.

    Attributes
    ----------
    name : str
        Shown in messages ('12r5 extract').
    columns : tuple of str
        The columns its loader needs; a file is recognised by them.
    check : callable
        ``check(path) -> list of str``: every problem of the file (empty if it is valid).
    """

    name: str
    columns: tuple
    check: Callable


def _by_loader(loader) -> Callable:
    def check(path) -> list[str]:
        try:
            loader(path)
        except SourceDataError as error:
            return error.problems
        return []
    return check


def _mergers(path) -> list[str]:
    raw, found = read_rows(path)
    return areas.validate_mergers(raw, path, areas.load_key().index, found)


def _aliases(path) -> list[str]:
    raw, found = read_rows(path)
    return areas.validate_aliases(raw, path, areas.source_municipality_codes(), found)


#: Every kind of file ohti reads, in the order they are tried when two match equally.
FILE_KINDS = (
    FileKind("12r5 extract (StatFin tyonv 12r5)", tuple(loaders.EMPLOYMENT_COLUMNS), _by_loader(loaders.load_12r5)),
    FileKind("population (StatFin vaerak 11re)", ("alue", "vuosi", "vaesto_31_12"), _by_loader(loaders.load_11re)),
    FileKind("vacancies during the month by municipality (StatFin 2310)",
             (*loaders.VACANCY_FLOW_COLUMNS, "time", "kunta"), _by_loader(loaders.read_2310_municipal)),
    FileKind("vacancies during the month, whole country (StatFin 2310)",
             (*loaders.VACANCY_FLOW_COLUMNS, "time"), _by_loader(loaders.read_2310_national)),
    FileKind("municipal key figures (kuntien avainluvut)",
             ("Alue", "vuosi", *loaders.KEY_FIGURE_COLUMNS,
              *sorted({c for c, _ in loaders.KEY_FIGURE_SHARES.values()}), *loaders.KEY_FIGURE_EXTRA),
             _by_loader(loaders.load_key_figures)),
    FileKind("job-seeker groups (StatFin 1001)", ("Alue", "Kuukausi", loaders.LABOUR_FORCE_1001, *loaders.GROUP_COLUMNS_1001),
             _by_loader(loaders.load_1001)),
    FileKind("persons in services (StatFin tyonv 12u4)", ("time", *loaders.SERVICE_COLUMNS_12U4), _by_loader(loaders.read_12u4)),
    FileKind("foreign citizens in services (StatFin tyonv 12u5)", ("time", *loaders.SERVICE_COLUMNS_12U5),
             _by_loader(loaders.read_12u5)),
    FileKind("municipality key", tuple(areas.KEY_COLUMNS), areas.validate_key_file),
    FileKind("municipal mergers", tuple(areas.MERGER_COLUMNS), _mergers),
    FileKind("municipality name aliases", tuple(areas.ALIAS_COLUMNS), _aliases),
)


#: A PxWeb response (json or json-stat2) of any declared table (ohti/pxweb_tables.yaml).
PXWEB_KIND = FileKind("PxWeb response (StatFin json / json-stat2)", (), _by_loader(loaders.load_pxweb_file))


def _repaired(name: str) -> str:
    """A header name as it was before double encoding, to recognise a mojibake file's kind."""
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def detect_kind(path) -> FileKind:
    """The kind of an input file, recognised from its header.

    The kind whose columns are most completely present wins (ties: the kind with more
    columns, then the first listed); at least half of its columns must be there, so that a
    file with a misspelt column is still recognised and then told which column is missing.

    Raises
    ------
    SourceDataError
        If the file cannot be read or its header matches no kind.
    """
    if loaders.is_pxweb_file(path):
        return PXWEB_KIND
    raw, _ = read_rows(path)
    header = set(raw.columns) | {_repaired(c) for c in raw.columns}
    scored = [(sum(c in header for c in kind.columns) / len(kind.columns), len(kind.columns), -position, kind)
              for position, kind in enumerate(FILE_KINDS)]
    share, _, _, kind = max(scored, key=lambda item: item[:3])
    if share < MIN_HEADER_MATCH:
        shown = ", ".join(list(raw.columns)[:8]) + (", …" if len(raw.columns) > 8 else "")
        known = "; ".join(k.name for k in FILE_KINDS)
        raise SourceDataError(path, [f"row 1: the header ({shown}) matches no kind of file ohti reads ({known}); "
                                     "compare its column names with a shipped file of the same kind"])
    return kind


def validate_file(path) -> list[str]:
    """Every problem of one input file (empty if it is valid), by the loader of its kind.

    A shipped file (under ``ohti/data``) is also checked against its manifest checksum.
    """
    path = Path(path)
    if not path.exists():
        return ["the file does not exist"]
    if path.is_dir():
        return ["is a folder, not a file"]
    problems = []
    try:
        name = path.resolve().relative_to(DATA_DIR.resolve()).as_posix()
    except ValueError:
        name = None
    if name is not None:
        try:
            shipped_path(name)
        except SourceDataError as error:
            problems += error.problems
    try:
        kind = detect_kind(path)
    except SourceDataError as error:
        return problems + error.problems
    try:
        return problems + kind.check(path)
    except SourceDataError as error:  # a damaged gzip found while reading again
        return problems + error.problems


def default_files() -> list[Path]:
    """The shipped files the loaders read: every source's files and the municipality key."""
    names = [f for source in variables.SOURCES.values() for f in source.files]
    names += [*areas.KEY_FILES.values(), areas.MERGERS_FILE, areas.ALIASES_FILE]
    return [DATA_DIR / name for name in names]


def display_path(path) -> str:
    """A path as a reader would type it: relative to the working folder when inside it."""
    text = str(path)
    try:
        relative = os.path.relpath(Path(path).resolve())
    except ValueError:
        return text
    return relative if not relative.startswith("..") else str(Path(path).resolve())


def validate_files(paths=None) -> dict[str, list[str]]:
    """Every problem of every file, by file (shown as :func:`display_path` gives it).

    Parameters
    ----------
    paths : list of path-like, optional
        The files; the shipped data (:func:`default_files`) by default.
    """
    files = [Path(p) for p in paths] if paths else default_files()
    return {display_path(f): validate_file(f) for f in files}


def problem_lines(results: dict) -> list[str]:
    """One line per problem, ``FILE: row R, column C: 'V' RULE``."""
    return [f"{file}: {problem}" for file, problems in results.items() for problem in problems]


def summary(results: dict) -> str:
    """'12 files valid', or how many files have how many problems."""
    bad = {f: p for f, p in results.items() if p}
    if not bad:
        return f"{len(results)} file{'s' if len(results) != 1 else ''} valid"
    count = sum(len(p) for p in bad.values())
    return (f"{len(bad)} of {len(results)} file(s) have problems: {count} problem{'s' if count != 1 else ''}; "
            "nothing was computed or written")


# --- parameters -------------------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice (PyYAML would keep the last silently) and
    aliases (a few lines of them can expand to gigabytes)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ParameterError(f"parameters, line {event.start_mark.line + 1}: an alias (*{event.anchor}) "
                                 "is not accepted; write the value out")
        return super().compose_node(parent, index)


def _mapping_without_repeats(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ParameterError(f"parameter {key!r} is given twice (line {key_node.start_mark.line + 1}); give it once")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def notebook_parameters(notebook_path) -> dict:
    """The parameters a notebook declares in its cell tagged ``parameters``, with defaults.

    Returns
    -------
    dict
        Name → default value (``None`` where the default is not a literal).

    Raises
    ------
    ParameterError
        If the notebook cannot be read or has no cell tagged ``parameters``.
    """
    path = Path(notebook_path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ParameterError(f"{path}: cannot read the notebook ({error})") from error
    cells = [c for c in notebook.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ParameterError(f"{path}: no cell is tagged 'parameters'; tag the cell that sets the defaults")
    source = "".join(cells[0]["source"]) if isinstance(cells[0]["source"], list) else cells[0]["source"]
    declared = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    declared[target.id] = ast.literal_eval(node.value) if node.value is not None else None
                except ValueError:
                    declared[target.id] = None
    return declared


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    return {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__)


def _same_type(value, default) -> bool:
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def check_parameters(notebook_path, parameters: dict) -> dict:
    """Refuse parameters the notebook does not declare, or of another type than its default.

    Parameters
    ----------
    notebook_path : path-like
        The notebook (its cell tagged ``parameters`` declares the names and defaults).
    parameters : dict
        The values of a run.

    Returns
    -------
    dict
        ``parameters``, unchanged.

    Raises
    ------
    ParameterError
        Naming every unknown parameter and the allowed ones, and every value of the wrong type
        (e.g. ``area_code: 01`` read by YAML as the number 1). Its ``unknown`` attribute lists
        the unknown names and ``allowed`` the declared ones.

    Examples
    --------
    >>> check_parameters("notebooks/area_evaluation.ipynb", {"area_code": "36", "perod": "2023-10"})
    Traceback (most recent call last):
    ohti.errors.ParameterError: notebooks/area_evaluation.ipynb: unknown parameter 'perod' ...
    """
    declared = notebook_parameters(notebook_path)
    if not isinstance(parameters, dict):
        raise ParameterError(f"{notebook_path}: parameters must be a mapping of names to values, not {_type_name(parameters)}")
    unknown = [name for name in parameters if name not in declared]
    problems = []
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        problems.append(f"unknown parameter{'s' if len(unknown) > 1 else ''} {names} (the notebook declares: "
                        f"{', '.join(declared)}); Papermill would only warn and ignore "
                        f"{'them' if len(unknown) > 1 else 'it'}: fix the name or remove it")
    for name, value in parameters.items():
        if name in declared and not _same_type(value, declared[name]):
            hint = f"; quote it in YAML ({name}: \"{value}\")" if isinstance(declared[name], str) else ""
            problems.append(f"parameter {name!r}: {value!r} is {_type_name(value)}, the notebook expects "
                            f"{_type_name(declared[name])} like {declared[name]!r}{hint}")
    if problems:
        error = ParameterError(f"{notebook_path}: " + "; ".join(problems))
        error.unknown, error.allowed = unknown, list(declared)
        raise error
    return parameters


def load_parameters(path, notebook_path=None) -> dict:
    """Read run parameters from YAML with a safe loader, and check them against the notebook.

    Parameters
    ----------
    path : path-like
        A YAML mapping of parameter names to values.
    notebook_path : path-like, optional
        The notebook to check the names and types against (:func:`check_parameters`).

    Raises
    ------
    ParameterError
        If the file is not valid YAML (or uses tags a safe loader refuses, such as
        ``!!python/object``), is not a mapping of names to plain values, repeats a name, or
        (with ``notebook_path``) names a parameter the notebook does not declare.
    """
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as error:
        raise ParameterError(f"{path}: cannot read the parameters ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ParameterError(f"{path}: not valid YAML for a safe loader: {error}".replace("\n", " ")) from error
    except ParameterError as error:
        raise ParameterError(f"{path}: {error}") from error
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ParameterError(f"{path}: parameters must be a mapping (name: value), not {_type_name(document)}")
    bad = [k for k in document if not isinstance(k, str) or not k.isidentifier()]
    if bad:
        raise ParameterError(f"{path}: parameter name(s) {', '.join(repr(k) for k in bad)} are not valid names "
                             "(letters, digits and _, not starting with a digit)")
    if notebook_path is not None:
        try:
            check_parameters(notebook_path, document)
        except ParameterError as error:
            wrapped = ParameterError(f"{path}: {error}")
            wrapped.unknown, wrapped.allowed = error.unknown, error.allowed
            raise wrapped from error
    return document
