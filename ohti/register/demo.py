"""The synthetic demonstration extract: a reproducible, made-up customer-register extract.

Customer-register microdata are not public, so ohti ships none. To show what the customer-
process indicators look like, this module generates synthetic demonstration data: invented
persons, spells, events and services, with a fixed seed, whose **stocks match the real
unemployed job seekers** of the shipped statistics (StatFin tyonv 12r5, indicator
``unemployed``) in every employment area at the end of every month of its window. Everything
else — who, when, how fast — is invented with plausible timings; no value in it describes a
real person or a real area's process. Its files are named ``synthetic_demo_extract_…`` and
every document and catalogue that shows it labels it "synthetic demonstration data".

How the stocks are matched: per area, the spells open at the end of the window's first month
are drawn with plausible past start dates; in each later month a share of the open spells
ends on a random day and exactly as many new spells start as make the month-end count equal
the real stock. Short spells that start and end within one month (they never touch a month-
end stock) fill the extract up to a requested size.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ohti._files import replacing
from ohti.errors import ParameterError
from ohti.indicators.compute import compute_values, shift_period
from ohti.paths import OUTPUTS_DIR
from ohti.register.workdays import calendar
from ohti.sources.access import latest_complete_period

DEFAULT_SEED = 20250101
GENERATOR_VERSION = "1"
SYNTHETIC_LABEL = "synthetic demonstration data"
EXIT_RATE = 0.12                 # share of open spells ending in a month
SPELL_END_REASONS = (("open_labour_market", 0.40), ("service", 0.25), ("subsidised_work", 0.08),
                     ("education", 0.07), ("outside_labour_force", 0.10), ("other", 0.10))
SERVICE_END_REASONS = (("open_labour_market", 0.35), ("unemployed", 0.40), ("education", 0.10), ("other", 0.15))
SERVICES = ("labour_market_training", "coaching", "work_trial", "pay_subsidy_preparation")
KOTO_SHARE = 0.09                # share of spells of integration clients


def default_period() -> str:
    return latest_complete_period()


def demo_extract_path(period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
                      folder=None, force: bool = False):
    """The cached demonstration extract for `period` (generated on first use).

    The file lives under ``outputs/extracts/`` (not in git) and its name says what it is:
    ``synthetic_demo_extract_<period>_seed<seed>[_<events>]_v<version>.parquet``.
    """
    period = period or default_period()
    folder = (OUTPUTS_DIR / "extracts") if folder is None else folder
    from pathlib import Path

    folder = Path(folder)
    size = f"_{events}" if events else ""
    path = folder / f"synthetic_demo_extract_{period}_seed{seed}{size}_v{GENERATOR_VERSION}.parquet"
    if force or not path.is_file():
        write_demo_extract(path, period=period, seed=seed, events=events)
    return path.resolve()


def real_stocks(period: str, months: int = 12) -> pd.DataFrame:
    """The real unemployed job seekers per employment area at the end of each of the `months`
    months ending at `period` (wide: areas × months), from the shipped statistics."""
    window = [shift_period(period, -k) for k in range(months - 1, -1, -1)]
    values = compute_values("unemployed", "area", periods=window)
    wide = values.pivot(index="area_code", columns="period", values="value").reindex(columns=window)
    if wide.isna().any().any():
        gaps = wide.isna().stack()
        raise ParameterError(f"the real unemployed stock is missing for {', '.join(map(str, gaps[gaps].index[:5]))}; "
                             "choose a period with complete data")
    return wide.round().astype(np.int64)


def _choice(rng, options, size):
    names = np.array([o for o, _ in options])
    p = np.array([w for _, w in options], dtype=float)
    return names[rng.choice(len(names), size=size, p=p / p.sum())]


def _spells(rng, stocks: pd.DataFrame) -> pd.DataFrame:
    """Spells whose month-end counts equal `stocks` exactly (areas × months)."""
    months = [pd.Period(m, "M") for m in stocks.columns]
    ends = np.array([m.end_time.date() for m in months], dtype="datetime64[D]")
    starts_m = np.array([m.start_time.date() for m in months], dtype="datetime64[D]")
    area_parts, start_parts, end_parts = [], [], []
    for code, row in stocks.iterrows():
        counts = row.to_numpy()
        n0 = int(counts[0])
        # open at the first month-end: durations so far, a mix of short and long unemployment
        long = rng.random(n0) < 0.3
        days = np.where(long, 365 + rng.exponential(400, n0), rng.exponential(110, n0)).astype(np.int64)
        start = ends[0] - days
        stop = np.full(n0, np.datetime64("NaT"), dtype="datetime64[D]")
        open_ids = np.arange(n0)
        for k in range(1, len(months)):
            previous, target = len(open_ids), int(counts[k])
            exits = int(rng.binomial(previous, EXIT_RATE))
            entrants = target - previous + exits
            if entrants < 0:
                exits, entrants = exits - entrants, 0
            exits = min(exits, previous)
            leaving = rng.choice(previous, size=exits, replace=False)
            length = int((ends[k] - starts_m[k]).astype(int)) + 1
            stop[open_ids[leaving]] = starts_m[k] + rng.integers(0, length - 1, exits)  # before the month-end
            keep = np.ones(previous, dtype=bool)
            keep[leaving] = False
            new_start = starts_m[k] + rng.integers(0, length, entrants)
            new_ids = np.arange(len(start), len(start) + entrants)
            start = np.concatenate([start, new_start])
            stop = np.concatenate([stop, np.full(entrants, np.datetime64("NaT"), dtype="datetime64[D]")])
            open_ids = np.concatenate([open_ids[keep], new_ids])
        area_parts.append(np.full(len(start), code))
        start_parts.append(start)
        end_parts.append(stop)
    return pd.DataFrame({"area_code": np.concatenate(area_parts), "start": np.concatenate(start_parts),
                         "end": np.concatenate(end_parts)})


def _short_spells(rng, stocks: pd.DataFrame, count: int) -> pd.DataFrame:
    """Spells starting and ending inside one month (never open at a month-end)."""
    if count <= 0:
        return pd.DataFrame({"area_code": [], "start": np.array([], "datetime64[D]"), "end": np.array([], "datetime64[D]")})
    weights = stocks.to_numpy(float).ravel()
    cell = rng.choice(weights.size, size=count, p=weights / weights.sum())
    area = stocks.index.to_numpy()[cell // stocks.shape[1]]
    months = [pd.Period(m, "M") for m in stocks.columns]
    first = np.array([m.start_time.date() for m in months], dtype="datetime64[D]")[cell % stocks.shape[1]]
    length = np.array([m.days_in_month for m in months])[cell % stocks.shape[1]]
    start_day = (rng.random(count) * (length - 1)).astype(np.int64)
    duration = np.minimum(rng.integers(3, 40, count), length - 2 - start_day)
    duration = np.maximum(duration, 0)
    return pd.DataFrame({"area_code": area, "start": first + start_day, "end": first + start_day + duration})


def _workday_shift(cal_days, cal_index, work_days, dates, n):
    """The n-th working day after each date (vectorised over the calendar)."""
    pos = ((dates - cal_days[0]).astype(np.int64))
    return work_days[cal_index[pos] + n - 1]


def generate(period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
             months: int = 12) -> tuple[pd.DataFrame, dict]:
    """Generate the synthetic demonstration extract in memory.

    Parameters
    ----------
    period : str, optional
        The last month of the window ('YYYY-MM'); the latest month of the shipped data by default.
    seed : int
        The random seed: the same seed gives the same extract.
    events : int, optional
        The number of rows (spells + events + services) to reach by adding short spells; at
        least the size the matched stocks need.
    months : int
        Months in the window (the stocks of every one are matched).

    Returns
    -------
    (DataFrame, dict)
        The extract in the schema of :mod:`ohti.register.extract` and its metadata.
    """
    period = period or default_period()
    stocks = real_stocks(period, months)
    rng = np.random.default_rng(seed)
    spells = _spells(rng, stocks)
    extract_date = np.datetime64(pd.Period(period, "M").end_time.date(), "D")
    first = spells["start"].min()
    cal = calendar(pd.Timestamp(first).date() - dt.timedelta(days=10), pd.Timestamp(extract_date).date() + dt.timedelta(days=400))
    cal_days = np.array(cal["day"], dtype="datetime64[D]")
    cal_index = cal["workday_index"].to_numpy()
    work_days = cal_days[cal["working"].to_numpy()]

    def build(spells):
        n = len(spells)
        start = spells["start"].to_numpy("datetime64[D]")
        end = spells["end"].to_numpy("datetime64[D]")
        stop = np.where(np.isnat(end), extract_date, end)
        area = spells["area_code"].to_numpy()
        person = spells["person"].to_numpy()
        rows = []

        def add(mask, dates, kind):
            keep = mask & (dates <= stop) & (dates <= extract_date)
            rows.append(pd.DataFrame({"table": "event", "person": person[keep], "area_code": area[keep], "type": kind,
                                      "start_date": dates[keep]}))

        # initial interview: most within a few working days, a tail weeks later
        lag = np.where(rng.random(n) < 0.62, rng.integers(1, 6, n), rng.integers(6, 35, n))
        interview = _workday_shift(cal_days, cal_index, work_days, start, lag)
        has_interview = (rng.random(n) < 0.95) & (interview <= stop) & (interview <= extract_date)
        add(has_interview, interview, "initial_interview")
        plan_lag = np.where(rng.random(n) < 0.88, 0, rng.integers(1, 20, n)).astype("timedelta64[D]")
        add(has_interview & (rng.random(n) < 0.96), interview + plan_lag, "employment_plan")
        # supplementary discussions in the first three months after the interview
        count = rng.binomial(6, 0.72, n)
        for j in range(6):
            offset = (7 + 14 * j + rng.integers(-4, 5, n)).astype("timedelta64[D]")
            add(has_interview & (j < count), interview + offset, "supplementary_discussion")
        # job-search discussions every three months, and the intensive period at six months
        for q in range(1, 9):
            add(has_interview & (rng.random(n) < 0.85), interview + np.timedelta64(91 * q, "D")
                + rng.integers(-7, 8, n).astype("timedelta64[D]"), "job_search_discussion")
        six = (pd.to_datetime(start) + pd.DateOffset(months=6)).to_numpy("datetime64[D]")
        intensive = rng.binomial(2, 0.7, n)
        for j in range(2):
            add(j < intensive, six + rng.integers(0, 28, n).astype("timedelta64[D]"), "supplementary_discussion")
        # KOTO clients
        koto = rng.random(n) < KOTO_SHARE
        client = start + rng.integers(0, 10, n).astype("timedelta64[D]")
        add(koto, client, "integration_client")
        assess = client + np.where(rng.random(n) < 0.78, rng.integers(5, 58, n), rng.integers(62, 120, n)).astype("timedelta64[D]")
        assessed = koto & (rng.random(n) < 0.93) & (assess <= stop)
        add(assessed, assess, "integration_assessment")
        koto_plan = assess + np.where(rng.random(n) < 0.74, rng.integers(0, 14, n), rng.integers(15, 60, n)).astype("timedelta64[D]")
        add(assessed & (rng.random(n) < 0.9), koto_plan, "integration_plan")
        # end reasons and services after spells that end into one
        reason = np.where(np.isnat(end), None, _choice(rng, SPELL_END_REASONS, n))
        service = reason == "service"
        s_start = np.where(service, end + np.timedelta64(1, "D"), np.datetime64("NaT"))
        s_end = s_start + rng.integers(30, 180, n).astype("timedelta64[D]")
        s_end = np.where(s_end > extract_date, np.datetime64("NaT"), s_end)
        s_reason = np.where(np.isnat(s_end), None, _choice(rng, SERVICE_END_REASONS, n))
        rows.append(pd.DataFrame({"table": "service", "person": person[service], "area_code": area[service],
                                  "type": np.array(SERVICES)[rng.integers(0, len(SERVICES), n)][service],
                                  "start_date": s_start[service], "end_date": s_end[service],
                                  "end_reason": s_reason[service]}))
        rows.append(pd.DataFrame({"table": "spell", "person": person, "area_code": area, "type": None,
                                  "start_date": start, "end_date": end, "end_reason": reason}))
        return pd.concat(rows, ignore_index=True)

    spells["person"] = np.arange(len(spells))
    frame = build(spells)
    if events is not None:
        if events < len(frame):
            raise ParameterError(f"--events {events:,} is below the {len(frame):,} rows the matched stocks need")
        per_spell = max(len(frame) / len(spells) * 0.6, 1.0)
        while len(frame) < events:
            extra = _short_spells(rng, stocks, int((events - len(frame)) / per_spell) + 1)
            extra["person"] = np.arange(len(extra)) + int(frame["person"].max()) + 1
            more = build(extra)
            frame = pd.concat([frame, more.iloc[: events - len(frame)] if len(frame) + len(more) > events else more],
                              ignore_index=True)
    # pseudonymous ids: a random permutation, so the order of persons reveals nothing
    persons = int(frame["person"].max()) + 1
    code = rng.permutation(persons)
    frame["person_id"] = "SYN" + pd.Series(code[frame["person"].to_numpy()]).astype(str).str.zfill(8)
    frame = frame.drop(columns="person")
    for column in ("end_date",):
        if column not in frame:
            frame[column] = np.datetime64("NaT")
    frame = frame[["table", "person_id", "area_code", "type", "start_date", "end_date", "end_reason"]]
    metadata = {"ohti.synthetic": "true", "ohti.label": SYNTHETIC_LABEL,
                "ohti.extract_date": str(pd.Timestamp(extract_date).date()),
                "ohti.stock_months": f"{stocks.columns[0]}..{stocks.columns[-1]}",
                "ohti.seed": str(seed), "ohti.generator": f"ohti.register.demo v{GENERATOR_VERSION}",
                "ohti.stock_source": "StatFin tyonv 12r5, unemployed job seekers at month end (TYOTTOMATLOPUSSA)"}
    return frame, metadata


def write_demo_extract(path, period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None):
    """Generate the demonstration extract and write it as Parquet (atomically), with metadata."""
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if "synthetic" not in path.name:
        raise ParameterError(f"{path.name}: a synthetic extract's file name must contain 'synthetic'")
    frame, metadata = generate(period, seed=seed, events=events)
    schema = pa.schema([("table", pa.string()), ("person_id", pa.string()), ("area_code", pa.string()),
                        ("type", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
                        ("end_reason", pa.string())])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata({**metadata})
    with replacing(path) as temporary:
        pq.write_table(table, temporary, compression="zstd")
    return path
