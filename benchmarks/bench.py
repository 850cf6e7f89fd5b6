# Longer than 400 lines: one script times every stage, the baseline and the peer, and the incremental day, and prints them.
"""Benchmark (issue 8): `fingertip run` against a hand-written DuckDB script and a pandas peer, at a given size.

    .venv/bin/python benchmarks/bench.py --cadres 3000 --days 61 --seed 3001 --workdir /tmp/bench/b3000

Steps, each timed, with the load average before and after (the machine may be shared):
1. `fingertip demo-data` writes D+1 days of landing data; the delivery days
   after day D are held back, so the landing folder is what it would be on
   day D, and day D+1's delivery is real generator output (on-time events of
   that day and late ones of the days before).
2. `fingertip run` builds it from scratch (its own DAGSTER_HOME, warehouse,
   lake under WORKDIR/build). Stage times come from the run's Dagster event
   log; the peak memory is the summed RSS of the process and all its
   descendants (GX runs in a child; dbt in the build's own process on DuckDB), sampled every 0.1 s. The project's dbt
   manifest is made first, off the clock and timed on its own line, as any
   earlier build of the checkout leaves it (it depends on the project, not on
   the data); `--cold-project` times the full build with that first parse in
   it, as the first build after an install or upgrade pays it.
3. The baseline (benchmarks/baseline_cadre_monthly.sql, DuckDB) and the peer
   (benchmarks/peer_pandas.py, pandas) compute cadre_monthly's counts from the
   same raw landing files, each in its own process; their counts are checked
   against marts.cadre_monthly of the build.
4. The same landing folder is built again, nothing changed (a re-run after an
   interrupted schedule, or a user running it twice): what a build costs
   when there is nothing new.
5. Day D+1 is delivered and built the way a single day is built today
   (FINGERTIP_FIRST_DAY = FINGERTIP_LAST_DAY = that day): the incremental run.

Nothing is loaded whole into this process: the baseline runs in DuckDB with a
memory limit and may spill to WORKDIR, the peer and the builds are child
processes. Results are printed and written to WORKDIR/bench.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages

from sources.contract import DEFAULT_WINDOW_DAYS_AFTER, DEFAULT_WINDOW_DAYS_BEFORE, EVENT_SOURCES  # noqa: E402

BIN = Path(sys.executable).parent
BASELINE_SQL = HERE / "baseline_cadre_monthly.sql"
PEER_SCRIPT = HERE / "peer_pandas.py"

SAMPLE_SECONDS = 0.1  # how often the process tree's memory is sampled
MIB = 2**20
# The baseline may use this much memory and spills beyond it (issue 8's 4 GiB goal applies to the pipeline).
BASELINE_MEMORY_LIMIT = "4GB"
MAX_SESSION_MINUTES = 480  # dbt var max_session_minutes: the warehouse contract's cap on one session
BASELINE_SOURCES = ("app_logins", "checkins", "votes", "cases")  # the sources cadre_monthly's counts read
COUNT_COLUMNS = (
    "login_count",
    "distinct_apps",
    "screen_minutes",
    "trace_only_logins",
    "checkin_count",
    "votes_cast",
    "cases_opened",
    "cases_resolved",
)
SCREEN_MINUTES_TOLERANCE = 0.011  # both sides round to 2 decimals; a last-digit rounding tie may differ
DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
PARAMETER = re.compile(r"\$([a-z_]+)")
COMMENT = re.compile(r"--[^\n]*")
FORMAT_OF_SUFFIX = {".csv": "csv", ".csv.gz": "csv", ".jsonl": "json", ".jsonl.gz": "json", ".parquet": "parquet"}
# Dagster step keys -> the stage they belong to (everything else is named by its key).
STEP_STAGES = {
    "reference_tables": "ingest reference",
    "flag_reviews": "flag reviews inbox",
    "warehouse_models": "dbt build",
    "analytics_copy": "publish (analysts' copy)",
    "alert_emails": "alerts",
    "inspection_report": "report",
}
CHECK_STEP = re.compile(r"^(?P<asset>[a-z_]+?)_(?P=asset)_\w+$")  # `<asset>_<asset>_<check>`: GX and volume checks
RUN_STARTED = ("PIPELINE_START", "RUN_START")
STEP_ENDED = ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED")


# ---------------------------------------------------------------- measuring


class TreeMemory(threading.Thread):
    """Peak summed RSS of a process and all its descendants, sampled (dbt and others run as children)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_tree = self.peak_single = 0
        self.peak_single_name = ""  # which process that was: its program and first argument
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = {}
            for process in processes:
                try:
                    sizes[process] = process.memory_info().rss
                except psutil.Error:  # it ended between listing and reading
                    continue
            if sizes:
                self.peak_tree = max(self.peak_tree, sum(sizes.values()))
                largest = max(sizes, key=sizes.get)
                if sizes[largest] > self.peak_single:
                    self.peak_single = sizes[largest]
                    with contextlib.suppress(psutil.Error):
                        self.peak_single_name = " ".join(Path(a).name for a in largest.cmdline()[1:3])
            self.done.wait(SAMPLE_SECONDS)


@dataclass
class Measured:
    what: str
    seconds: float
    cpu_seconds: float  # user + system time of the process and its waited-for descendants: less sensitive to load
    peak_tree_mib: float
    peak_single_mib: float
    peak_single_process: str
    started: float  # epoch seconds, to line up with Dagster's event timestamps
    ended: float
    load_before: float
    load_after: float
    stages: list[tuple[str, float]] = field(default_factory=list)
    output: str = ""


def load1() -> float:
    return os.getloadavg()[0]


def measure(what: str, cmd: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT) -> Measured:
    """Run `cmd` to completion, timing it and sampling its process tree's memory; exit on failure."""
    load_before = load1()
    started = time.time()
    clock = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = TreeMemory(process.pid)
        sampler.start()
        code = process.wait()
        sampler.done.set()
        sampler.join()
    seconds = time.perf_counter() - clock
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    text = log.read_text(errors="replace")
    if code != 0:
        sys.exit(f"{what} failed (exit {code}): {' '.join(cmd)}\n{text[-3000:]}")
    return Measured(
        what,
        seconds,
        cpu_seconds,
        sampler.peak_tree / MIB,
        sampler.peak_single / MIB,
        sampler.peak_single_name,
        started,
        time.time(),
        load_before,
        load1(),
        output=text,
    )


# ---------------------------------------------------------------- the landing folder


def dt_folders(landing: Path) -> list[Path]:
    return [
        folder
        for source in EVENT_SOURCES
        if (landing / source).is_dir()
        for folder in sorted((landing / source).iterdir())
        if folder.is_dir() and DT_FOLDER.match(folder.name)
    ]


def hold_back(landing: Path, held: Path, days: int) -> str:
    """Move delivery days after day `days` out of the landing folder; return day days+1 (the next delivery)."""
    first = min(date.fromisoformat(DT_FOLDER.match(f.name).group(1)) for f in dt_folders(landing))
    next_day = (first + timedelta(days=days)).isoformat()
    for folder in dt_folders(landing):
        if DT_FOLDER.match(folder.name).group(1) >= next_day:
            target = held / folder.parent.name / folder.name
            target.parent.mkdir(parents=True, exist_ok=True)
            folder.rename(target)
    return next_day


def deliver(held: Path, landing: Path, day: str) -> int:
    """Put one held-back delivery day into the landing folder; return how many folders moved."""
    moved = 0
    for source in EVENT_SOURCES:
        folder = held / source / f"dt={day}"
        if folder.is_dir():
            folder.rename(landing / source / folder.name)
            moved += 1
    return moved


def landing_size(landing: Path) -> tuple[int, int]:
    files = [p for f in dt_folders(landing) for p in f.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(FORMAT_OF_SUFFIX, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMAT_OF_SUFFIX[suffix]
    return None


def baseline_parameters(landing: Path) -> dict:
    """The baseline script's parameters: file lists per source and format, reference files, settings."""
    params: dict = {f"{source}_{fmt}": [] for source in BASELINE_SOURCES for fmt in ("csv", "json", "parquet")}
    for folder in dt_folders(landing):
        if folder.parent.name not in BASELINE_SOURCES:
            continue
        for path in sorted(folder.rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
            fmt = file_format(path)
            if path.is_file() and fmt and not hidden:  # other files the contract rejects
                params[f"{folder.parent.name}_{fmt}"].append(str(path))
    for table in ("cadres", "apps", "campaigns"):
        params[f"{table}_file"] = str(landing / "reference" / f"{table}.csv")
    params.update(
        window_days_before=DEFAULT_WINDOW_DAYS_BEFORE,
        window_days_after=DEFAULT_WINDOW_DAYS_AFTER,
        max_session_minutes=MAX_SESSION_MINUTES,
    )
    return params


# ---------------------------------------------------------------- the baseline (run in its own process)


def run_baseline(landing: Path, out: Path, spill: Path) -> None:
    """Run baseline_cadre_monthly.sql over `landing`, write its counts to `out` (Parquet); print what it left out.

    Each statement gets the parameters it names. A statement whose file list
    is empty is skipped; a file DuckDB cannot read is left out (the contract
    rejects it whole) and the statement runs again.
    """
    params = baseline_parameters(landing)
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set memory_limit = ?", [BASELINE_MEMORY_LIMIT])
    con.execute("set temp_directory = ?", [str(spill)])
    left_out = []
    script = COMMENT.sub("", BASELINE_SQL.read_text())  # the script has no "--" inside its strings
    for statement in STATEMENT_END.split(script):
        if not statement.strip():
            continue
        names = sorted(set(PARAMETER.findall(statement)))
        bound = {name: params[name] for name in names}
        if any(isinstance(value, list) and not value for value in bound.values()):
            continue
        while True:
            try:
                con.execute(statement, bound)
                break
            except duckdb.Error as error:
                text = str(error)
                lists = [value for value in bound.values() if isinstance(value, list)]
                bad = next((path for files in lists for path in files if path in text), None)
                if bad is None:
                    raise
                for files in lists:
                    if bad in files:
                        files.remove(bad)
                left_out.append(f"{Path(bad).relative_to(landing)}: {text.splitlines()[0][:160]}")
                if any(not files for files in lists):
                    break
    con.execute("copy (select * from baseline_cadre_monthly) to ? (format parquet)", [str(out)])
    con.close()
    print(json.dumps({"left_out": left_out}))


# ---------------------------------------------------------------- the Dagster event log


def run_stages(dagster_home: Path, measured: Measured) -> list[tuple[str, float]]:
    """Where the run's wall time went, from its events in the Dagster instance under `dagster_home`.

    The stages add up to the measured wall time: before the run (process start
    to the run's first event), run creation to run start, the steps grouped by
    stage, the gaps between steps, and after the run.
    """
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(dagster_home))
    try:
        run = instance.get_runs(limit=1)[0]
        entries = [e for e in instance.all_logs(run.run_id) if e.dagster_event is not None]
    finally:
        instance.dispose()
    first = min(e.timestamp for e in entries)
    run_start = next(e.timestamp for e in entries if e.dagster_event.event_type_value in RUN_STARTED)
    starts, ends = {}, {}
    for entry in entries:
        kind = entry.dagster_event.event_type_value
        if kind == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif kind in STEP_ENDED:
            ends[entry.step_key] = entry.timestamp
    grouped: dict[str, float] = {}  # in the order the stages first start
    for key, start in sorted(starts.items(), key=lambda item: item[1]):
        label = stage_of(key)
        grouped[label] = grouped.get(label, 0.0) + ends.get(key, start) - start
    first_step, last_step = min(starts.values()), max(ends.values())
    return [
        ("before the run: imports, settings, dbt manifest", first - measured.started),
        ("run created to run start", run_start - first),
        ("run start to first step", first_step - run_start),
        *grouped.items(),
        ("between steps (Dagster)", (last_step - first_step) - sum(grouped.values())),
        ("after the steps: run end, summary, exit", measured.ended - last_step),
    ]


def stage_of(key: str) -> str:
    """The stage a Dagster step belongs to."""
    if key in EVENT_SOURCES:
        return f"ingest {key}"
    if CHECK_STEP.match(key):
        return "GX and volume checks"
    return STEP_STAGES.get(key, key)


# ---------------------------------------------------------------- comparing counts

# Per cadre-month: in the mart only, in the other result only, or present in both with some count differing;
# then per column. screen_minutes is compared within a tolerance (the `?`).
COMPARE_SQL = """
with paired as (
    select
        m.cadre_id is not null as in_mart, o.cadre_id is not null as in_other,
        m.login_count <> o.login_count as login_count,
        m.distinct_apps <> o.distinct_apps as distinct_apps,
        abs(m.screen_minutes - o.screen_minutes) > ? as screen_minutes,
        m.trace_only_logins <> o.trace_only_logins as trace_only_logins,
        m.checkin_count <> o.checkin_count as checkin_count,
        m.votes_cast <> o.votes_cast as votes_cast,
        m.cases_opened <> o.cases_opened as cases_opened,
        m.cases_resolved <> o.cases_resolved as cases_resolved
    from wh.marts.cadre_monthly as m
    full join other as o on m.cadre_id = o.cadre_id and m.month = o.month
)
select
    count(*) filter (where in_mart),
    count(*) filter (where in_mart and not in_other),
    count(*) filter (where in_other and not in_mart),
    count(*) filter (where in_mart and in_other and (login_count or distinct_apps or screen_minutes or trace_only_logins
                                                     or checkin_count or votes_cast or cases_opened or cases_resolved)),
    count(*) filter (where login_count), count(*) filter (where distinct_apps), count(*) filter (where screen_minutes),
    count(*) filter (where trace_only_logins), count(*) filter (where checkin_count), count(*) filter (where votes_cast),
    count(*) filter (where cases_opened), count(*) filter (where cases_resolved)
from paired
"""


def compare(warehouse: Path, counts: Path) -> dict:
    """How many cadre-months of `counts` (Parquet) differ from marts.cadre_monthly, and in which columns."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as wh (read_only)", [str(warehouse)])
        con.execute("create temp table other as select * from read_parquet(?)", [str(counts)])
        row = con.execute(COMPARE_SQL, [SCREEN_MINUTES_TOLERANCE]).fetchone()
    finally:
        con.close()
    mart_rows, only_mart, only_other, differ, *per_column = row
    return {
        "mart_rows": mart_rows,
        "only_in_mart": only_mart,
        "only_in_other": only_other,
        "differ": differ,
        "total": only_mart + only_other + differ,
        "differ_by_column": {c: n for c, n in zip(COUNT_COLUMNS, per_column, strict=True) if n},
    }


# ---------------------------------------------------------------- the whole benchmark


def fingertip_env(project: Path, dagster_home: Path | None = None, first_day: str | None = None) -> dict:
    """The environment of `fingertip`: the code of `project`, defaults for every setting, its own Dagster instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINGERTIP_") and k != "DAGSTER_HOME"}
    # Ahead of the venv's editable install (a finder appended to sys.meta_path), so `project`'s packages are used.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))
    if dagster_home:
        env["DAGSTER_HOME"] = str(dagster_home)
    if first_day:  # one delivery day: how a single new day is built today
        env["FINGERTIP_FIRST_DAY"] = env["FINGERTIP_LAST_DAY"] = first_day
    return env


def warehouse_figures(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        read, loaded, quarantined, rejected = con.execute(
            "select sum(coalesce(rows_read, 0)), sum(rows_loaded), sum(coalesce(rows_quarantined, 0)), "
            "count(*) filter (where status = 'rejected') from ops.load_audit where source <> 'reference'"
        ).fetchone()
        cadre_months = con.execute("select count(*) from marts.cadre_monthly").fetchone()[0]
        flags = con.execute("select count(*) from marts.padding_flags").fetchone()[0]
    return {
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "files_rejected": rejected,
        "cadre_months": cadre_months,
        "flags": flags,
    }


def side_result(measured: Measured) -> dict:
    """The JSON line a baseline child prints last."""
    lines = [line for line in measured.output.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def fmt_s(seconds: float) -> str:
    return f"{seconds:8.1f} s"


def report(
    args,
    figures: dict,
    generate: Measured,
    parse: Measured | None,
    build: Measured,
    baseline: Measured,
    peer: Measured | None,
    rerun: Measured,
    incremental: Measured,
    checks: dict,
    left_out: list[str],
    landing_files: tuple[int, int],
    next_day: str,
) -> None:
    cores = os.cpu_count()
    memory = psutil.virtual_memory().total / 2**30
    print()
    print(
        f"fingertip benchmark: {args.cadres:,} cadres x {args.days} days, seed {args.seed}; machine {cores} cores, {memory:.0f} GiB; "
        f"duckdb {duckdb.__version__}"
    )
    print(
        f"landing (as of day {args.days}): {landing_files[0]:,} files, {landing_files[1] / MIB:,.0f} MiB; "
        f"rows read {figures['rows_read']:,}, loaded {figures['rows_loaded']:,}, quarantined {figures['rows_quarantined']:,}, "
        f"files rejected {figures['files_rejected']}; {figures['cadre_months']:,} cadre-months, {figures['flags']} flags"
    )
    print(f"report written by the full build: {figures['report'][0]:,} pages, {figures['report'][1] / MIB:,.0f} MiB")
    print()
    print(f"{'what':<52} {'wall':>10} {'CPU':>10} {'peak RSS tree':>14} {'load 1 min':>12}")

    def line(label: str, m: Measured) -> None:
        print(
            f"{label:<52} {fmt_s(m.seconds):>10} {fmt_s(m.cpu_seconds):>10} {m.peak_tree_mib:>10,.0f} MiB "
            f"{m.load_before:>5.1f}-{m.load_after:<5.1f}"
        )

    line("fingertip demo-data (D+1 days)", generate)
    if parse:
        line("dbt manifest of the project (before the build)", parse)
    line("fingertip run, full build" + ("" if parse else " (--cold-project)"), build)
    for label, seconds in build.stages:
        print(f"  {label:<50} {fmt_s(seconds):>10}")
    line("baseline: DuckDB SQL script", baseline)
    if peer:
        line("peer: pandas", peer)
    line("fingertip run again, nothing changed", rerun)
    for label, seconds in rerun.stages:
        print(f"  {label:<50} {fmt_s(seconds):>10}")
    line(f"fingertip run, one new day ({next_day})", incremental)
    for label, seconds in incremental.stages:
        print(f"  {label:<50} {fmt_s(seconds):>10}")
    print()
    print(
        f"pipeline / baseline: {build.seconds / baseline.seconds:.1f}x wall, {build.cpu_seconds / baseline.cpu_seconds:.1f}x CPU "
        "(goal at 3,000 cadres: <= 3x)"
    )
    if peer:
        print(
            f"peer / pipeline: {peer.seconds / build.seconds:.2f}x wall, {peer.cpu_seconds / build.cpu_seconds:.2f}x CPU: "
            "the pandas peer takes that many times the pipeline's time "
            "(goal from 3,000 cadres: >= 5x)"
        )
    print(
        f"incremental / full build: {100 * incremental.seconds / build.seconds:.0f} % wall, "
        f"{100 * incremental.cpu_seconds / build.cpu_seconds:.0f} % CPU (goal: <= 10 %)"
    )
    print(f"re-run of an unchanged landing / full build: {100 * rerun.seconds / build.seconds:.0f} % wall")
    print(
        f"peak RSS of the build's process tree: {build.peak_tree_mib:,.0f} MiB (largest single process "
        f"{build.peak_single_mib:,.0f} MiB, {build.peak_single_process}; goal: <= 4 GiB)"
    )
    for name, check in checks.items():
        detail = ", ".join(f"{c} {n}" for c, n in check["differ_by_column"].items())
        print(
            f"{name} vs marts.cadre_monthly: {check['total']} of {check['mart_rows']:,} cadre-months differ "
            f"({check['only_in_mart']} only in the mart, {check['only_in_other']} only in the {name}, "
            f"{check['differ']} with different counts{': ' + detail if detail else ''})"
        )
    for line in left_out:
        print(f"baseline left out (unreadable): {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cadres", type=int, default=3000)
    parser.add_argument("--days", type=int, default=61)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--workdir", type=Path, required=True, help="landing, builds and results go here (replaced)")
    parser.add_argument(
        "--project",
        type=Path,
        default=ROOT,
        help="the fingertip checkout to measure (default: this one); e.g. a `git archive HEAD` copy "
        "while the working tree is being edited",
    )
    parser.add_argument("--skip-peer", action="store_true", help="leave out the pandas peer (slow at 20,000 cadres)")
    parser.add_argument(
        "--cold-project",
        action="store_true",
        help="leave the project's dbt manifest to the full build (its first parse, if the project has none, is then timed in it)",
    )
    # Internal: the baseline runs in a child process of the benchmark, so that its time and memory are its own.
    parser.add_argument("--baseline-only", nargs=2, metavar=("LANDING", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_only:
        landing, out = (Path(p) for p in args.baseline_only)
        run_baseline(landing, out, args.workdir / "duckdb_spill")
        return

    work = args.workdir.resolve()
    for part in ("landing", "held", "build", "logs", "duckdb_spill", "baseline.parquet", "peer.parquet", "bench.json"):
        path = work / part
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    logs = work / "logs"
    logs.mkdir(parents=True)
    landing, held, build = work / "landing", work / "held", work / "build"
    warehouse, dagster_home = build / "warehouse.duckdb", build / "dagster_home"
    dagster_home.mkdir(parents=True)

    project = args.project.resolve()
    generate = measure(
        "demo-data",
        [
            str(BIN / "fingertip"),
            "demo-data",
            "--out",
            str(landing),
            "--cadres",
            str(args.cadres),
            "--days",
            str(args.days + 1),
            "--seed",
            str(args.seed),
        ],
        logs / "demo-data.log",
        fingertip_env(project),
        project,
    )
    next_day = hold_back(landing, held, args.days)
    files = landing_size(landing)
    print(f"generated in {generate.seconds:.1f} s; next delivery day {next_day} held back", flush=True)

    parse = None
    if not args.cold_project:
        parse = measure(
            "dbt manifest of the project",
            [sys.executable, "-c", "from orchestration.resources import prepare_dbt_manifest; prepare_dbt_manifest()"],
            logs / "parse.log",
            fingertip_env(project, dagster_home),
            project,
        )
        print(f"the project's dbt manifest made in {parse.seconds:.1f} s (off the build's clock)", flush=True)

    run_cmd = [str(BIN / "fingertip"), "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    full = measure("fingertip run", run_cmd, logs / "full-build.log", fingertip_env(project, dagster_home), project)
    full.stages = run_stages(dagster_home, full)
    figures = warehouse_figures(warehouse)
    # The inspection report the build wrote beside the warehouse: it grows with the units (a page each).
    report_pages = list((warehouse.parent / "report").glob("*.html"))
    figures["report"] = (len(report_pages), sum(page.stat().st_size for page in report_pages))
    print(f"full build in {full.seconds:.1f} s", flush=True)

    baseline = measure(
        "baseline",
        [sys.executable, __file__, "--workdir", str(work), "--baseline-only", str(landing), str(work / "baseline.parquet")],
        logs / "baseline.log",
    )
    left_out = side_result(baseline).get("left_out", [])
    checks = {"baseline": compare(warehouse, work / "baseline.parquet")}
    print(f"baseline in {baseline.seconds:.1f} s", flush=True)
    peer = None
    if not args.skip_peer:
        peer = measure(
            "peer",
            [sys.executable, str(PEER_SCRIPT), "--landing", str(landing), "--out", str(work / "peer.parquet")],
            logs / "peer.log",
        )
        checks["peer"] = compare(warehouse, work / "peer.parquet")
        print(f"peer in {peer.seconds:.1f} s", flush=True)

    rerun = measure("fingertip run (again)", run_cmd, logs / "rerun.log", fingertip_env(project, dagster_home), project)
    rerun.stages = run_stages(dagster_home, rerun)
    print(f"re-run in {rerun.seconds:.1f} s", flush=True)

    if not deliver(held, landing, next_day):
        sys.exit(f"no delivery folder for {next_day} was generated")
    incremental = measure(
        "fingertip run (one day)", run_cmd, logs / "incremental.log", fingertip_env(project, dagster_home, next_day), project
    )
    incremental.stages = run_stages(dagster_home, incremental)

    report(args, figures, generate, parse, full, baseline, peer, rerun, incremental, checks, left_out, files, next_day)
    results = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "figures": figures,
        "next_day": next_day,
        "landing_files": files[0],
        "landing_bytes": files[1],
        "checks": checks,
        "baseline_left_out": left_out,
        "measured": {
            m.what: {k: v for k, v in asdict(m).items() if k != "output"}
            for m in (generate, *([parse] if parse else []), full, baseline, *([peer] if peer else []), rerun, incremental)
        },
    }
    (work / "bench.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
