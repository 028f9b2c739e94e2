"""cachelab from Python: the simulator's commands as functions.

Every function calls the same C++ functions as the ``cachelab`` command of the
same name (through the native module ``cachelab._cachelab``), so its results
equal the CLI's output for the same scenario, seed and options:

    load(scenario, set=None) -> dict            ``validate --print-resolved``
    validate(scenario, set=None) -> dict        the same (an alias)
    run(scenario, seed=None, set=None) -> Result
        .summary     dict, summary.json
        .timeseries  DataFrame, timeseries.csv
        .nodes       DataFrame, nodes.csv (empty without a cache cluster)
        .pools       DataFrame, pools.csv (empty without per-instance pools)
        .events      dict, events.json
        .scenario    dict, scenario.resolved.json
    compare(scenario, vary, set=None, threads=None) -> Comparison
    sweep(scenario, grid, replications=5, set=None, threads=None) -> DataFrame (sweep.csv)
    sweep(scenario, sensitivity={pointer: spread}, ...) -> the same, with the
        sensitivity table in .attrs["sensitivity"] (``sweep --sensitivity``)
    plan(scenario, minimize, range, slo, ...) -> dict (plan.json)
    replay(trace, policies, sizes, ...) -> DataFrame (``replay --json``)
    mrc(trace, ...) -> DataFrame (``mrc``'s CSV)

A scenario is a file path (str or os.PathLike), a dict (the scenario's JSON
as Python objects; errors name it ``<dict>``), or None for the embedded
default scenario. ``set`` is the CLI's ``--set``: a dict {pointer: value} or a
list of "POINTER=VALUE" texts; a str value is taken as the CLI takes it (JSON
when valid, else a string: "1GiB"), any other value as its JSON.

Bad input raises InputError (a ValueError) with the CLI's one-line message and
the JSON pointer it names, if any. Simulations release the GIL; Ctrl-C stops
them and raises KeyboardInterrupt. ``threads`` never changes a result, only
how many simulations run at once (default: every CPU).
"""

import io
import json
import os
import re
import tempfile

from . import _cachelab

__all__ = ["InputError", "Result", "Comparison", "load", "validate", "run", "compare", "sweep",
           "plan", "replay", "mrc", "default_scenario"]

DICT_SOURCE = "<dict>"


class InputError(ValueError):
    """Bad input (scenario, override, grid, trace): the CLI's exit 2.

    ``message`` is the CLI's one-line error; ``pointer`` the JSON pointer of
    the offending scenario field when the message names one
    ("/workload/keys/count"), else None.
    """

    def __init__(self, message, source=None):
        super().__init__(message)
        self.message = message
        self.pointer = _pointer_of(message, source)


# "--set /cache/capcity=1GiB: ..." and the like: the pointer an override names.
_FLAG_POINTER = re.compile(r"^--[\w-]+ (/[^=]*)=")


def _pointer_of(message, source):
    """The JSON pointer in a loader message "SOURCE: /ptr: what", or "--set /ptr=v: what"."""
    rest = message
    for prefix in filter(None, [source, DICT_SOURCE]):
        if rest.startswith(prefix + ": "):
            rest = rest[len(prefix) + 2:]
            break
    m = _FLAG_POINTER.match(rest)
    if m:
        return m.group(1)
    head = rest.split(": ", 1)[0]
    if len(rest.split(": ", 1)) == 2 and head.startswith("/") and " " not in head:
        return head
    return None


def _call(fn, *args, source=None, rename=None):
    """fn(*args), its InputError raised as cachelab.InputError; `rename` maps a
    temporary file's path back to the name the user knows."""
    try:
        return fn(*args)
    except _cachelab.InputError as e:
        message = str(e)
        if rename:
            message = message.replace(rename[0], rename[1])
        raise InputError(message, source) from None


def _value_text(value):
    # A str goes as the CLI takes it; anything else as its JSON.
    return value if isinstance(value, str) else json.dumps(value)


def _sets(set_):
    if set_ is None:
        return []
    if isinstance(set_, dict):
        return [f"{p}={_value_text(v)}" for p, v in set_.items()]
    if isinstance(set_, str):
        return [set_]
    return [s if isinstance(s, str) else f"{s[0]}={_value_text(s[1])}" for s in set_]


def _axes(axes, name):
    """{pointer: values} -> ["POINTER=ITEM,ITEM"]: values a list (each item as
    --set takes it; a str may be a range "8..64:x2") or one str as written."""
    if isinstance(axes, dict):
        items = axes.items()
    else:
        raise TypeError(f"{name} must be a dict {{pointer: values}}")
    out = []
    for pointer, values in items:
        if isinstance(values, str):
            out.append(f"{pointer}={values}")
        else:
            out.append(f"{pointer}=" + ",".join(_value_text(v) for v in values))
    return out


def _scenario_arg(scenario):
    """(kind, value, source) for the native loader, and the source errors name."""
    if scenario is None:
        return ("default", "", "<default>"), "<default>"
    if isinstance(scenario, dict):
        return ("text", json.dumps(scenario), DICT_SOURCE), DICT_SOURCE
    if isinstance(scenario, (str, os.PathLike)):
        path = os.fspath(scenario)
        return ("file", path, path), path
    raise TypeError(f"scenario must be a path, a dict or None, got {type(scenario).__name__}")


class _ScenarioFile:
    """The scenario as the path the experiments (compare, sweep, plan) take:
    a dict goes through a temporary file, with its relative trace path made
    absolute first (the loader reads it relative to the file's folder, which
    for a dict is the current directory)."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.dir = None

    def __enter__(self):
        if self.scenario is None:
            return ""
        if not isinstance(self.scenario, dict):
            return os.fspath(self.scenario)
        doc = json.loads(json.dumps(self.scenario))  # a deep copy
        trace = doc.get("workload", {}).get("trace") if isinstance(doc.get("workload"), dict) \
            else None
        if isinstance(trace, dict) and isinstance(trace.get("path"), str) and trace["path"]:
            trace["path"] = os.path.abspath(trace["path"])
        self.dir = tempfile.TemporaryDirectory(prefix="cachelab-")
        path = os.path.join(self.dir.name, "scenario.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return path

    def __exit__(self, *exc):
        if self.dir is not None:
            self.dir.cleanup()


def _experiment(fn, scenario, sets, *args):
    """fn(path, sets, *args) for an experiment; a dict is loaded first, so its
    errors name <dict> and the --set as load() reports them."""
    if isinstance(scenario, dict):
        load(scenario, sets)
    with _ScenarioFile(scenario) as path:
        source = path if not isinstance(scenario, dict) else DICT_SOURCE
        rename = (path, DICT_SOURCE) if isinstance(scenario, dict) else None
        return _call(fn, path, sets, *args, source=source, rename=rename)


def _threads(threads):
    return max(1, os.cpu_count() or 1) if threads is None else int(threads)


def _frame(text):
    import pandas as pd  # only the functions that return tables need pandas

    if not text:
        return pd.DataFrame()
    return pd.read_csv(io.StringIO(text))


# ---- scenarios and runs -------------------------------------------------------------------


def default_scenario():
    """The embedded default scenario (scenarios/default.json at build time) as a dict."""
    return json.loads(_cachelab.default_scenario_text())


def load(scenario=None, set=None):  # noqa: A002 (the CLI's name)
    """The scenario with overrides applied and every default filled in, as a
    dict (``cachelab validate --print-resolved``). Raises InputError."""
    arg, source = _scenario_arg(scenario)
    return json.loads(_call(_cachelab.load, arg, _sets(set), source=source))


validate = load


class Result:
    """One run: the files of the CLI's run folder, parsed.

    ``summary`` (summary.json), ``scenario`` (scenario.resolved.json) and
    ``events`` (events.json) are dicts; ``timeseries`` (timeseries.csv),
    ``nodes`` (nodes.csv; empty without a cache cluster) and ``pools``
    (pools.csv; empty without per-instance pools) are pandas DataFrames;
    ``files`` holds every file's text by name.
    """

    def __init__(self, files):
        self.files = files
        self.summary = json.loads(files["summary.json"])
        self.scenario = json.loads(files["scenario.resolved.json"])
        self.events = json.loads(files["events.json"])
        self._timeseries = None
        self._nodes = None
        self._pools = None

    @property
    def timeseries(self):
        if self._timeseries is None:
            self._timeseries = _frame(self.files["timeseries.csv"])
        return self._timeseries

    @property
    def nodes(self):
        if self._nodes is None:
            self._nodes = _frame(self.files.get("nodes.csv", ""))
        return self._nodes

    @property
    def pools(self):
        if self._pools is None:
            self._pools = _frame(self.files.get("pools.csv", ""))
        return self._pools

    def save(self, folder):
        """Writes the run folder's files into `folder` (created), as `run --out` does
        (without its atomic replacement)."""
        os.makedirs(folder, exist_ok=True)
        for name, text in self.files.items():
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write(text)

    def __repr__(self):
        return f"<cachelab.Result {self.scenario.get('name', '')!r} seed={self.summary.get('seed')}>"


def run(scenario=None, seed=None, set=None):  # noqa: A002
    """Simulates the scenario (``cachelab run [--seed S] [--set ...]``); a Result.
    Raises InputError before anything runs."""
    arg, source = _scenario_arg(scenario)
    sets = _sets(set)
    if seed is not None:
        sets.append(f"/seed={int(seed)}")  # applied last, as --seed is
    return Result(_call(_cachelab.run, arg, sets, source=source))


# ---- experiments ------------------------------------------------------------------------------


class Comparison:
    """``cachelab compare``'s folder, parsed: ``table`` (compare.csv, a row per
    variant), ``variants`` (compare.json: label, variant, summary per variant)
    and ``timeseries`` (a DataFrame per variant, in the same order)."""

    def __init__(self, files):
        self.files = dict(files)
        self.variants = json.loads(self.files["compare.json"])
        self.table = _frame(self.files["compare.csv"])
        self.timeseries = [_frame(self.files[f"variant-{i}.timeseries.csv"])
                           for i in range(len(self.variants))]


def compare(scenario=None, vary=None, set=None, threads=None):  # noqa: A002
    """``cachelab compare --vary PTR=V1,V2 ...``: `vary` is {pointer: values}
    (a list, or one str in --vary's grammar, labels "LABEL=VALUE" allowed);
    every combination is a variant, all with the scenario's seed."""
    if not vary:
        raise TypeError("compare needs vary={pointer: values}")
    return Comparison(_experiment(_cachelab.compare, scenario, _sets(set), _axes(vary, "vary"),
                                  _threads(threads)))


def _spreads(sensitivity):
    """{pointer: spread} -> ["POINTER=±X"]: a spread is a number (±X), or a str
    as --sensitivity takes it ("±0.1", "+-10%"; "10%" gets the ±)."""
    if not isinstance(sensitivity, dict):
        raise TypeError("sensitivity must be a dict {pointer: spread}")
    out = []
    for pointer, spread in sensitivity.items():
        text = spread if isinstance(spread, str) else str(spread)
        if not text.startswith(("±", "+-")):
            text = "±" + text
        out.append(f"{pointer}={text}")
    return out


SENSITIVITY_COLUMNS = ["input", "at", "metric", "low", "base", "high", "swing", "base_ci95"]


def sweep(scenario=None, grid=None, replications=5, set=None, threads=None,  # noqa: A002
          full=False, sensitivity=None, slo=()):
    """``cachelab sweep --grid ... --sensitivity ... --replications R``: a
    DataFrame equal to sweep.csv (grid values, then <metric>.mean and
    <metric>.ci95 per metric). `grid` is {pointer: values}, values a list or a
    range text "64MiB..1GiB:x2". With full=True, (DataFrame, sweep.json as a dict).

    `sensitivity` is {pointer: spread} (``--sensitivity POINTER=±X``): each
    input at the scenario's value and X either side (a number, or a str such as
    "±0.1" or "10%"), gridded after `grid`. The table the CLI prints is then
    ``frame.attrs["sensitivity"]``, a list of rows {input, at, metric, low,
    base, high, swing, base_ci95} (the printed -X, base, +X, swing and base
    ci95; base_ci95 None with one replication; ``pd.DataFrame(...)`` makes it a
    table), and its text ``frame.attrs["sensitivity_table"]``. `slo`
    ("METRIC<=X" texts, as --slo) adds its metrics to that table."""
    if not grid and not sensitivity:
        raise TypeError("sweep needs grid={pointer: values} or sensitivity={pointer: spread}")
    slos = [slo] if isinstance(slo, str) else list(slo)
    csv, doc, table, rows = _experiment(
        _cachelab.sweep, scenario, _sets(set), _axes(grid or {}, "grid"),
        _spreads(sensitivity or {}), slos, int(replications), _threads(threads))
    frame = _frame(csv)
    if sensitivity:
        # Plain rows, not a DataFrame: pandas compares attrs when it concatenates frames.
        frame.attrs["sensitivity"] = [dict(zip(SENSITIVITY_COLUMNS, r)) for r in rows]
        frame.attrs["sensitivity_table"] = table
    return (frame, json.loads(doc)) if full else frame


def plan(scenario=None, minimize=None, range=None, slo=(), step="", uncertain=None,  # noqa: A002
         replications=5, set=None, threads=None, model_start=True, candidates=None):  # noqa: A002
    """``cachelab plan --minimize PTR --range LO..HI --slo ...``: plan.json as a dict.
    `slo` is a str or a list of "METRIC<=X" texts; `uncertain` {pointer: values}.
    ``minimize="cost"`` with `candidates` {pointer: values, least to most capable} is
    ``plan --minimize cost --candidates ...``: the cheapest candidate meeting the SLOs."""
    slos = [slo] if isinstance(slo, str) else list(slo)
    if minimize == "cost":
        if range or not candidates:
            raise TypeError("plan(minimize='cost') needs candidates={pointer: values}, no range")
        doc = _experiment(_cachelab.cost_plan, scenario, _sets(set),
                          _axes(candidates, "candidates"), slos, int(replications),
                          _threads(threads))
        return json.loads(doc)
    if not minimize or not range:
        raise TypeError("plan needs minimize=POINTER and range='LO..HI'")
    doc = _experiment(_cachelab.plan, scenario, _sets(set), minimize, str(range), str(step or ""),
                      slos, _axes(uncertain or {}, "uncertain"), int(replications),
                      _threads(threads), bool(model_start))
    return json.loads(doc)


# ---- traces ------------------------------------------------------------------------------------


def _csv_columns(columns, header, delimiter):
    roles = {"time": "", "key": "key", "size": "", "op": ""}
    for role, column in (columns or {}).items():
        if role not in roles:
            raise InputError(f'columns: unknown role "{role}"; roles are time, key, size, op')
        roles[role] = str(column)
    return _call(_cachelab.csv_columns, roles["time"], roles["key"], roles["size"], roles["op"],
                 bool(header), delimiter)


def _list(x):
    return [str(x)] if isinstance(x, (str, int, float)) else [str(v) for v in x]


def replay(trace, policies, sizes, format="oracle", ignore_size=False,  # noqa: A002
           columns=None, header=True, delimiter=",", threads=None):
    """``cachelab replay TRACE --policy ... --size ... --json`` as a DataFrame:
    policy, size, requests, misses, miss_ratio, byte_miss_ratio, a row per
    (policy, size), policy-major. CSV traces: `columns` {role: column}."""
    import pandas as pd

    rows = _call(_cachelab.replay, os.fspath(trace), format, _list(policies), _list(sizes),
                 bool(ignore_size), _threads(threads), _csv_columns(columns, header, delimiter),
                 source=os.fspath(trace))
    return pd.DataFrame(rows, columns=["policy", "size", "requests", "misses", "miss_ratio",
                                       "byte_miss_ratio"])


def mrc(trace, format="oracle", ignore_size=False, method="exact", rate=None,  # noqa: A002
        max_keys=None, sizes=None, points=None, columns=None, header=True, delimiter=","):
    """``cachelab mrc TRACE`` as a DataFrame (cache_size, miss_ratio: the CSV
    it prints); attrs hold the trace's requests and working set."""
    text, requests, working_set = _call(
        _cachelab.mrc, os.fspath(trace), format, bool(ignore_size), method, rate, max_keys,
        _list(sizes or []), points, _csv_columns(columns, header, delimiter),
        source=os.fspath(trace))
    frame = _frame(text)
    frame.attrs["requests"] = requests
    frame.attrs["working_set"] = working_set
    return frame
