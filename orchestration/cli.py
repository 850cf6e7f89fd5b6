"""`fingertip`: make demo data, build the warehouse, report.

    fingertip demo-data --out DIR [--cadres N] [--days N] [--start DATE] [--seed S] [--evasion 0-3]
    fingertip run --landing DIR --warehouse FILE [--publish FILE] [--lake DIR]
    fingertip eval --landing DIR [--warehouse FILE] [--verbose]
    fingertip eval --levels 0,1,2,3 [--cadres N] [--days N] [--seed S] [--workdir DIR]
    fingertip report --out DIR [--publish FILE] [--warehouse FILE] [--withhold-evidence]
    fingertip review FLAG_ID --verdict confirmed|dismissed|needs-evidence --note TEXT --by NAME [--warehouse FILE]

Every error a user can cause is one line on stderr saying what to do, with a
non-zero exit: 2 for a wrong setting or path, 1 for a failed build step,
3 when a build gave up waiting (FINGERTIP_WAIT_SECONDS), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orchestration.settings import Settings, ensure_dagster_home
from sources import progress


def _demo_data(args: argparse.Namespace) -> int:
    import demo.generate as demo

    # The generator plants every padding pattern beside honest look-alikes: it needs room.
    low, high, min_days = getattr(demo, "MIN_CADRES", 1), getattr(demo, "MAX_CADRES", 10**9), getattr(demo, "MIN_DAYS", 1)
    if not low <= args.cadres <= high or args.days < min_days:
        print(
            f"error: the demo needs {low} to {high} cadres and at least {min_days} days (it plants every padding pattern, "
            f"e.g. scripted logins over 10+ days, beside honest look-alikes), not --cadres {args.cadres} --days {args.days}: "
            f"pass e.g. --cadres {max(low, min(args.cadres, high))} --days {max(min_days, args.days)}.",
            file=sys.stderr,
        )
        return 2
    try:
        # The generator reports each file it writes; shown on a terminal only, its folder as the stage.
        with progress.track("fingertip demo-data", verb="written", first_stage="simulating") as tracker:
            summary = demo.generate(
                Path(args.out),
                cadres=args.cadres,
                days=args.days,
                start=args.start,
                seed=args.seed,
                evasion=args.evasion,
                progress=tracker.file_callback(Path(args.out)),
            )
    except ValueError as error:  # the generator's own limits
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote demo landing data to {args.out}")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0


def _settings_from(args: argparse.Namespace) -> Settings:
    """Command-line paths win over the environment; the rest as `Settings.from_env`."""
    given = {
        f"FINGERTIP_{option.upper()}": str(Path(getattr(args, option)).resolve())
        for option in ("landing", "warehouse", "publish", "lake")
        if getattr(args, option, None)
    }
    return Settings.from_env(given)


def writable_folder_problem(folder: Path, what: str, option: str) -> str | None:
    """Why `folder` cannot hold fingertip's files (one line saying what to do), or None if it can."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, so {what} cannot go in {folder}: pass {option} in a folder, or move that file."
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create {folder} for {what} ({error.strerror}): pass {option} in a folder you can write."
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write to {folder}, where {what} goes: make it writable, or pass {option} in a folder you can write."
    return None


def _run(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    if not settings.landing.is_dir():
        print(
            f"error: landing folder {settings.landing} does not exist: pass --landing DIR or set FINGERTIP_LANDING.",
            file=sys.stderr,
        )
        return 2
    for folder, what, option in (
        (settings.warehouse.parent, "the warehouse", "--warehouse"),
        (settings.lake, "the lake", "--lake"),
        (settings.publish.parent, "the analysts' copy", "--publish"),
        (settings.dagster_home, "Dagster's run records", "DAGSTER_HOME"),
    ):
        problem = writable_folder_problem(folder, what, option)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    ensure_dagster_home(settings.dagster_home)

    from orchestration.build import build_all

    with progress.track("fingertip run") as tracker:
        stages = None
        if isinstance(tracker, progress.TerminalTracker):  # on a terminal: name the stages, count the files
            tracker.set_files_total(_landing_file_count(settings))
            stages = RunStages(
                tracker, settings.dagster_home, since=datetime.now(UTC) - timedelta(seconds=RUN_CLOCK_SLACK_SECONDS)
            )
            stages.start()
        try:
            return build_all(settings)
        finally:
            if stages is not None:
                stages.stop()


# How often the progress line asks Dagster's event log for the run's new steps.
STAGE_POLL_SECONDS = 0.5
# The run is created after the watch starts; this allows for clock granularity.
RUN_CLOCK_SLACK_SECONDS = 5
# Step keys that read better under another name on the progress line.
STAGE_LABELS = {"reference_tables": "ingest reference", "warehouse_models": "dbt build"}
# Dagster keys an asset check's step `<asset>_<check>`; fingertip's GX checks repeat the asset in the check's name.
ASSET_CHECK_STEP = re.compile(r"^(?P<asset>[a-z_]+?)_(?P=asset)_(?P<check>\w+)$")


def _landing_file_count(settings: Settings) -> int:
    """Files `fingertip run` will read: the reference snapshots and every delivery day's files in the settings' range."""
    from sources.contract import EVENT_SOURCES, REFERENCE_TABLES
    from sources.landing import delivery_days, delivery_files, reference_file

    count = sum(reference_file(settings.landing, table) is not None for table in REFERENCE_TABLES)
    for source in EVENT_SOURCES:
        for day in delivery_days(settings.landing, source):
            if settings.first_day <= day <= settings.last_day:
                count += len(delivery_files(settings.landing, source, day))
    return count


def stage_label(step_key: str) -> str:
    """What the progress line calls a Dagster step: `ingest <source>` for the readers, else the step's name."""
    from sources.contract import EVENT_SOURCES

    if step_key in EVENT_SOURCES:
        return f"ingest {step_key}"
    check = ASSET_CHECK_STEP.match(step_key)
    if check:
        return f"check {check['asset']}: {check['check'].replace('_', ' ')}"
    return STAGE_LABELS.get(step_key, step_key.replace("_", " "))


class RunStages(threading.Thread):
    """Names the stage on the progress line from this process's Dagster run: each STEP_START in its event log.

    The run executes in this process (build.py), but its events are only
    handed back when it ends; the event log has them as they happen, as the
    Dagster UI reads them. Never breaks the build: any error just skips a poll.
    """

    def __init__(self, tracker: progress.Tracker, dagster_home: Path, since: datetime):
        super().__init__(name="fingertip-run-stages", daemon=True)
        self.tracker, self.dagster_home, self.since = tracker, dagster_home, since
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=STAGE_POLL_SECONDS * 4)

    def run(self) -> None:
        from dagster import DagsterEventType, DagsterInstance, RunsFilter

        from orchestration.guards import PID_TAG

        instance, run_id, cursor = None, None, None
        try:
            while not self.stopped.wait(STAGE_POLL_SECONDS):
                try:
                    instance = instance or DagsterInstance.from_config(str(self.dagster_home))
                    if run_id is None:
                        runs = instance.get_runs(RunsFilter(tags={PID_TAG: str(os.getpid())}, created_after=self.since), limit=1)
                        if not runs:
                            continue
                        run_id = runs[0].run_id
                    found = instance.get_records_for_run(run_id, cursor=cursor, of_type=DagsterEventType.STEP_START)
                    cursor = found.cursor
                    for record in found.records:
                        self.tracker.stage(stage_label(record.event_log_entry.step_key))
                except Exception:  # a busy SQLite file, an instance not ready yet: try again next poll
                    continue
        finally:
            if instance is not None:
                instance.dispose()


def _eval_levels(args: argparse.Namespace) -> int:
    import tempfile

    try:
        levels = sorted({int(level) for level in args.levels.split(",") if level.strip()})
    except ValueError:
        levels = []
    if not levels or any(level not in range(4) for level in levels):
        print(
            f"error: --levels {args.levels!r} is not a list of evasion levels 0 to 3: pass e.g. --levels 0,1,2,3.",
            file=sys.stderr,
        )
        return 2
    from demo.evaluation import evaluate_levels

    workdir = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="fingertip-eval-levels-"))
    problem = writable_folder_problem(workdir, "the evaluation's landing folders and warehouses", "--workdir")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(evaluate_levels(levels, cadres=args.cadres, days=args.days, seed=args.seed, workdir=workdir))
    return 0


def _eval(args: argparse.Namespace) -> int:
    import tempfile

    if args.levels:
        if args.landing:
            print(
                "error: pass either --landing DIR (score a landing folder) or --levels (generate and score each level), not both.",
                file=sys.stderr,
            )
            return 2
        return _eval_levels(args)
    if not args.landing:
        print("error: pass --landing DIR (a landing folder written by demo-data) or --levels 0,1,2,3.", file=sys.stderr)
        return 2
    from demo.evaluation import flagged_pairs, format_report, score, truth_pairs

    landing = Path(args.landing).resolve()
    try:
        truth = truth_pairs(landing)
    except FileNotFoundError as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    # Read the warehouse given if it is built; otherwise build it (in a temp folder by default).
    if args.warehouse:
        warehouse = Path(args.warehouse).resolve()
    else:
        warehouse = Path(tempfile.mkdtemp(prefix="fingertip-eval-")) / "warehouse.duckdb"
    if not warehouse.exists():
        code = _run(argparse.Namespace(landing=str(landing), warehouse=str(warehouse), publish=None, lake=None))
        if code:
            return code
    scores = score(truth, flagged_pairs(warehouse))
    print(format_report(scores))
    if args.verbose:
        for code, s in scores.items():
            if s["false_positives"] or s["missed"]:
                print(f"  {code}: false positives {s['false_positives']}, missed {s['missed']}")
    return 0


def _report(args: argparse.Namespace) -> int:
    # Command-line paths win; otherwise FINGERTIP_PUBLISH / FINGERTIP_WAREHOUSE as for `run`.
    settings = _settings_from(args)
    out = Path(args.out).resolve()
    problem = writable_folder_problem(out, "the report", "--out")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from inspection.report import ReportError, render_report

    try:
        written = render_report(settings.publish, out, warehouse=settings.warehouse, withhold_evidence=args.withhold_evidence)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote the report to {written['index']} ({written['units']} unit pages, {written['flags']} flags)")
    return 0


def _review(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    from inspection.reviews import ReviewError, record_review
    from orchestration.settings import wait_seconds

    try:
        review = record_review(settings.warehouse, args.flag_id, args.verdict, args.note, args.by, wait=wait_seconds())
    except ReviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"recorded {review.verdict} on {review.flag_id} ({review.flag_code}) at {review.reviewed_at} in ops.flag_reviews")
    return 0


def _dbt_months(args: argparse.Namespace) -> int:
    """The flags a `dbt build` run by hand needs to build every month of event time the lake holds."""
    settings = _settings_from(args)
    if not settings.lake.is_dir():
        print(
            f"error: lake {settings.lake} does not exist: pass --lake DIR (a build's lake) or set FINGERTIP_LAKE.",
            file=sys.stderr,
        )
        return 2
    from orchestration.incremental import load_manifest, plan_months, staged_sources
    from orchestration.resources import dbt_project, prepare_dbt_manifest

    prepare_dbt_manifest(settings)
    staged = staged_sources(load_manifest(dbt_project.manifest_path))
    print(" ".join(plan_months(None, settings.lake, staged, "", settings.engine).dbt_args()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fingertip", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="write a demo landing folder that follows the landing contract")
    demo.add_argument("--out", required=True, help="landing folder to write")
    demo.add_argument("--cadres", type=int, default=200)
    demo.add_argument("--days", type=int, default=61)
    demo.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 1), help="first event day, YYYY-MM-DD")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--evasion",
        type=int,
        choices=range(4),
        default=0,
        metavar="LEVEL",
        help="0 (default) to 3: how hard the planted padding tries to look honest",
    )
    demo.set_defaults(handler=_demo_data)

    run = commands.add_parser("run", help="ingest every delivery day, build the warehouse, publish")
    run.add_argument("--landing", help="landing folder (default $FINGERTIP_LANDING or data/landing)")
    run.add_argument("--warehouse", help="DuckDB warehouse file (default $FINGERTIP_WAREHOUSE or data/warehouse.duckdb)")
    run.add_argument("--publish", help="analysts' copy (default $FINGERTIP_PUBLISH or analytics.duckdb beside the warehouse)")
    run.add_argument("--lake", help="validated Parquet lake (default $FINGERTIP_LAKE or lake/ beside the warehouse)")
    run.set_defaults(handler=_run)

    evaluate = commands.add_parser("eval", help="precision and recall per flag code against the demo ground truth")
    evaluate.add_argument("--landing", help="a landing folder written by demo-data (has _truth/)")
    evaluate.add_argument(
        "--warehouse", help="a warehouse built from this landing, or where to build one (default: a temp folder)"
    )
    evaluate.add_argument("--verbose", action="store_true", help="list false positives and misses")
    evaluate.add_argument("--levels", help="instead of --landing: evasion levels to generate, build and score, e.g. 0,1,2,3")
    evaluate.add_argument("--cadres", type=int, default=300, help="with --levels: cadres per level (default 300)")
    evaluate.add_argument("--days", type=int, default=61, help="with --levels: days per level (default 61)")
    evaluate.add_argument("--seed", type=int, default=901, help="with --levels: demo seed (default 901)")
    evaluate.add_argument("--workdir", help="with --levels: where each level's landing and warehouse go (default: a temp folder)")
    evaluate.set_defaults(handler=_eval)

    report = commands.add_parser("report", help="write the self-contained HTML report (index.html, a page per unit)")
    report.add_argument("--out", required=True, help="folder for index.html and unit-<id>.html")
    report.add_argument(
        "--publish", help="the analysts' copy to read (default $FINGERTIP_PUBLISH or analytics.duckdb beside the warehouse)"
    )
    report.add_argument(
        "--warehouse", help="warehouse to read the flags' evidence from (default $FINGERTIP_WAREHOUSE or data/warehouse.duckdb)"
    )
    report.add_argument(
        "--withhold-evidence",
        action="store_true",
        help="do not read the warehouse: show the flags' evidence and subject as withheld, as in the published copy",
    )
    report.set_defaults(handler=_report)

    months = commands.add_parser(
        "dbt-months",
        help="print the --event-time-start/--event-time-end/--full-refresh flags that build every month of the lake "
        "(for `dbt build` run by hand)",
    )
    months.add_argument("--lake", help="validated Parquet lake (default $FINGERTIP_LAKE or data/lake)")
    months.set_defaults(handler=_dbt_months)

    review = commands.add_parser("review", help="record an inspector's verdict on a flag (appended to ops.flag_reviews)")
    review.add_argument("flag_id", metavar="FLAG_ID", help="the flag's flag_id (in the report and the alert mail)")
    review.add_argument("--verdict", required=True, choices=("confirmed", "dismissed", "needs-evidence"))
    review.add_argument("--note", required=True, help="what the inspector found")
    review.add_argument("--by", required=True, help="the inspector's name")
    review.add_argument("--warehouse", help="DuckDB warehouse file (default $FINGERTIP_WAREHOUSE or data/warehouse.duckdb)")
    review.set_defaults(handler=_review)

    args = parser.parse_args(argv)
    from orchestration.guards import BuildError
    from orchestration.settings import SettingError

    try:
        return args.handler(args)
    except (BuildError, SettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        from orchestration.errors import INTERRUPTED_EXIT_CODE

        print("error: interrupted; the next `fingertip run` finishes or redoes what this one left", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    except OSError as error:
        # A file or folder the user named cannot be read or written (permissions, a full disk, ...).
        where = f" {error.filename}" if error.filename else ""
        print(
            f"error: {error.strerror or error}:{where}: check that this user can read the landing folder and "
            "write the warehouse folder, or pass other paths.",
            file=sys.stderr,
        )
        return 2
    finally:
        # main is the process's entry point: the process ends when it returns. Python's last cycle
        # collection at exit would walk every object left (1.6 s after a build); the system frees them.
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
