"""`fingertip`: make demo data, build the warehouse, report.

    fingertip demo-data --out DIR [--cadres N] [--days N] [--start DATE] [--seed S]
    fingertip run --landing DIR --warehouse FILE [--publish FILE]
    fingertip eval --landing DIR [--warehouse FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from orchestration.settings import Settings, ensure_dagster_home


def _demo_data(args: argparse.Namespace) -> int:
    from sources.demo import write_demo_landing

    summary = write_demo_landing(Path(args.out), cadres=args.cadres, days=args.days, start=args.start, seed=args.seed)
    print(f"wrote demo landing data to {args.out}")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0


def _settings_from(args: argparse.Namespace) -> Settings:
    """Command-line paths win over the environment; the rest as `Settings.from_env`."""
    for option, variable in (("landing", "LANDING"), ("warehouse", "WAREHOUSE"), ("publish", "PUBLISH"), ("lake", "LAKE")):
        if getattr(args, option):
            os.environ[f"FINGERTIP_{variable}"] = str(Path(getattr(args, option)).resolve())
    return Settings.from_env()


def _run(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    if not settings.landing.is_dir():
        print(f"error: landing folder {settings.landing} does not exist: pass --landing DIR or set FINGERTIP_LANDING.", file=sys.stderr)
        return 2
    settings.export()
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(settings.warehouse.parent / ".dagster"))
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))

    from orchestration.build import build_all

    return build_all(settings)


def _eval(args: argparse.Namespace) -> int:
    import tempfile

    from orchestration.evaluation import flagged_pairs, format_report, score, truth_pairs

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fingertip", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="write a demo landing folder that follows the landing contract")
    demo.add_argument("--out", required=True, help="landing folder to write")
    demo.add_argument("--cadres", type=int, default=200)
    demo.add_argument("--days", type=int, default=61)
    demo.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 1), help="first event day, YYYY-MM-DD")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(handler=_demo_data)

    run = commands.add_parser("run", help="ingest every delivery day, build the warehouse, publish")
    run.add_argument("--landing", help="landing folder (default $FINGERTIP_LANDING or data/landing)")
    run.add_argument("--warehouse", help="DuckDB warehouse file (default $FINGERTIP_WAREHOUSE or data/warehouse.duckdb)")
    run.add_argument("--publish", help="analysts' copy (default $FINGERTIP_PUBLISH or analytics.duckdb beside the warehouse)")
    run.add_argument("--lake", help="validated Parquet lake (default $FINGERTIP_LAKE or lake/ beside the warehouse)")
    run.set_defaults(handler=_run)

    evaluate = commands.add_parser("eval", help="precision and recall per flag code against the demo ground truth")
    evaluate.add_argument("--landing", required=True, help="a landing folder written by demo-data (has _truth/)")
    evaluate.add_argument("--warehouse", help="a warehouse built from this landing, or where to build one (default: a temp folder)")
    evaluate.add_argument("--verbose", action="store_true", help="list false positives and misses")
    evaluate.set_defaults(handler=_eval)

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
