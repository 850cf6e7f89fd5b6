"""The Dagster code location loads, and its asset graph holds what a reader of the README expects.

Guards against import errors and lost assets in a second, without a build.
"""

from __future__ import annotations

import gc
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.registry import FLAG_CODES

EVENT_SOURCES = ("app_logins", "checkins", "votes", "cases", "reports")
REFERENCE_TABLES = ("units", "cadres", "apps", "campaigns")
MARTS = ("cadre_monthly", "unit_monthly", "app_portfolio", "padding_flags")


@pytest.fixture(scope="module")
def repository(dbt_manifest):
    # Imported here, not at collection: the dbt manifest it reads is made by the session fixture.
    from orchestration.definitions import defs

    return defs.get_repository_def()


@pytest.fixture(scope="module")
def asset_keys(repository) -> set[str]:
    return {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}


def test_every_source_mart_and_flag_rule_is_an_asset(asset_keys):
    expected = {
        *EVENT_SOURCES,
        *REFERENCE_TABLES,
        *(f"marts/{mart}" for mart in MARTS),
        *(f"intermediate/int_flags__{code}" for code in FLAG_CODES),
        "ops/load_audit",
        "ops/quarantine",
        "analytics_copy",
        "alert_emails",
    }
    assert expected <= asset_keys, f"missing assets: {sorted(expected - asset_keys)}"


def test_assets_sit_in_the_groups_that_show_the_flow(repository):
    graph = repository.asset_graph
    group_of = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {group_of[source] for source in EVENT_SOURCES} == {"ingest"}
    assert {group_of[f"marts/{mart}"] for mart in MARTS} == {"marts"}
    assert group_of["analytics_copy"] == "publish"
    assert group_of["alert_emails"] == "alerts"


def test_batch_checks_and_dbt_tests_are_asset_checks(repository):
    checked = {key.asset_key.to_user_string() for key in repository.asset_graph.asset_check_keys}
    assert set(EVENT_SOURCES) <= checked  # Great Expectations on each loaded batch
    assert {f"marts/{mart}" for mart in MARTS} <= checked  # dbt tests


def test_every_source_has_delivery_volume_and_silent_unit_checks_that_only_warn(repository):
    graph = repository.asset_graph
    checks = {key.to_user_string(): key for key in graph.asset_check_keys}
    for source in EVENT_SOURCES:
        for name in (f"{source}_delivery_volume", f"{source}_silent_units"):
            key = checks.get(f"{source}:{name}")
            assert key is not None, f"missing check {source}:{name}"
            assert not graph.get_check_spec(key).blocking  # a warning never stops the build


def test_the_build_job_schedule_and_sensors_are_defined(repository):
    assert "build_warehouse" in {job.name for job in repository.get_all_jobs()}
    assert {schedule.name for schedule in repository.schedule_defs} == {"daily_build"}
    assert {sensor.name for sensor in repository.sensor_defs} >= {"landing_sensor", "email_ops_on_run_failure"}


def test_runs_from_the_ui_a_schedule_or_a_sensor_run_their_steps_in_one_process(repository):
    """As `fingertip run` does: a process per step (Dagster's default) made a run of the hand-made
    landing take 60 s instead of 10 s in `dagster dev` (docs/benchmarks.md, stop 40). Assets
    materialized from the UI's asset graph (and its backfills) run in Dagster's own asset job."""
    from dagster import in_process_executor
    from dagster._core.definitions.assets.job.asset_job import IMPLICIT_ASSET_JOB_NAME

    assert repository.get_job("build_warehouse").executor_def is in_process_executor
    assert repository.get_job(IMPLICIT_ASSET_JOB_NAME).executor_def is in_process_executor


def test_the_partition_range_tags_are_dagsters_own():
    """build.py writes Dagster's partition-range run tags by name (they have no public constant)."""
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from orchestration.settings import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

    assert (PARTITION_RANGE_START_TAG, PARTITION_RANGE_END_TAG) == (
        ASSET_PARTITION_RANGE_START_TAG,
        ASSET_PARTITION_RANGE_END_TAG,
    )


def test_the_dbt_resource_knows_dbts_version_without_asking_it_and_opens_no_adapter():
    """FingertipDbtCli skips two private steps of dagster-dbt before each dbt command: an upgrade that
    renames them must fail here, and the version it gives without running `dbt --version` is the
    installed dbt-core's, whose executable the resource runs."""
    from dagster_dbt import DbtCliResource

    from orchestration.resources import DBT_EXECUTABLE, FingertipDbtCli, dbt_cli

    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(FingertipDbtCli))
    resource = dbt_cli()
    # The dbt run is this interpreter's (its venv's bin), so its version is the installed dbt-core's.
    assert Path(DBT_EXECUTABLE).parent == Path(sys.executable).parent
    assert Path(resource.dbt_executable) == Path(sys.executable).parent / "fingertip-dbt"
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_fingertip_dbt_is_dbt_with_its_output_and_exit_codes():
    """The builds' dbt (orchestration/dbt_process.py) is dbt's own command line: same output, same exit code."""
    from orchestration.resources import BUILD_DBT_EXECUTABLE, DBT_EXECUTABLE, DBT_PROJECT_DIR

    misused = [
        subprocess.run([executable, "build", "--no-such-flag"], cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
        for executable in (DBT_EXECUTABLE, BUILD_DBT_EXECUTABLE)
    ]
    assert [(m.returncode, m.stdout, m.stderr) for m in misused] == [(m.returncode, m.stdout, m.stderr) for m in misused[:1]] * 2
    assert misused[0].returncode == 2 and "No such option '--no-such-flag'" in misused[0].stderr


def test_dbt_in_the_builds_process_gives_dagster_dbt_what_a_dbt_process_gives(dbt_manifest, tmp_path):
    """On DuckDB a build's dbt runs in its own process's thread (orchestration/dbt_runner.py): the same
    command, the same events in the same order, the same exit code and error as dagster-dbt's child
    process, and its debug log; the environment it set for dbt is gone after."""
    from orchestration.resources import dbt_cli

    in_process, child = dbt_cli(), dbt_cli().model_copy(update={"in_process": False})
    assert in_process.in_process and not child.in_process
    listed = ["ls", "--select", "stg_cadres+", "--resource-type", "model", "--output", "name"]
    runs = [resource.cli(listed, target_path=tmp_path / name) for resource, name in ((in_process, "in"), (child, "child"))]
    assert type(runs[0]).__name__ == "InProcessDbtInvocation" and type(runs[1]).__name__ == "DbtCliInvocation"
    assert runs[0].dbt_command == runs[1].dbt_command
    events = [[(e.raw_event["info"]["name"], e.raw_event["info"]["msg"]) for e in run.stream_raw_events()] for run in runs]
    assert events[0] == events[1] and ("PrintEvent", "cadre_monthly") in events[0]
    assert [run.process.returncode for run in runs] == [0, 0]
    # dbt's debug log, as the child writes it, with no line on this process's console.
    assert '"level": "debug"' in (tmp_path / "in" / "dbt.log").read_text()
    assert "DBT_LOG_FORMAT" not in os.environ and "DAGSTER_DBT_CLI" not in os.environ

    misused = [
        resource.cli(["build", "--no-such-flag"], raise_on_error=False, target_path=tmp_path / f"misused-{n}")
        for n, resource in enumerate((in_process, child))
    ]
    assert [run.is_successful() for run in misused] == [False, False]
    assert [run.process.returncode for run in misused] == [2, 2]
    assert "no-such-flag" in str(misused[0].get_error())


def test_dbt_starts_without_the_cycle_collector_which_is_back_when_the_nodes_run():
    from dbt.events.types import ConcurrencyLine, FoundStats
    from dbt_common.events.base_types import msg_from_base_event

    from orchestration.dbt_process import on_dbt_event

    gc.disable()
    try:
        on_dbt_event(msg_from_base_event(FoundStats(stat_line="40 models")))
        assert not gc.isenabled()
        on_dbt_event(msg_from_base_event(ConcurrencyLine(num_threads=2, target_name="dev", node_count=110)))
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_builds_dbt_process_never_imports_dagster_whose_preview_warnings_stay_silenced():
    """orchestration/__init__.py silences Dagster's beta and preview warnings with the classes from the
    module that defines them, so that `fingertip-dbt` (in this package) does not import Dagster."""
    import dagster
    from dagster_shared.utils import warnings as defining_module

    assert (dagster.BetaWarning, dagster.PreviewWarning) == (defining_module.BetaWarning, defining_module.PreviewWarning)
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, orchestration.dbt_process; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'dagster_shared'" in imported and "'dagster'" not in imported


def test_the_dbt_project_parses_from_scratch_without_a_warning(tmp_path):
    """A whole parse, as after a change to the project: a deprecation or a duplicate YAML key (whose
    later value silently wins) fails here. Builds parse partially, and a partial parse does not
    repeat the warnings of the files it keeps."""
    from orchestration.resources import DBT_EXECUTABLE, DBT_PROJECT_DIR

    result = subprocess.run(
        [DBT_EXECUTABLE, "--no-use-colors", "--warn-error", "parse", "--no-partial-parse", "--target-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DBT_")},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "WARNING" not in result.stdout, result.stdout[-3000:]


def test_every_microbatch_model_refreshes_its_join_statistics_after_its_batches(dbt_manifest):
    """Its batches delete and insert; the rules after it are planned on its statistics, which without
    an ANALYZE stay as the deletes left them until DuckDB happens to checkpoint
    (dbt_project/macros/refresh_join_statistics.sql)."""
    from orchestration.incremental import load_manifest
    from orchestration.resources import dbt_project

    manifest = load_manifest(dbt_project.manifest_path)
    microbatch = {
        node["name"]: [hook["sql"] for hook in node["config"].get("post-hook", [])]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("incremental_strategy") == "microbatch"
    }
    assert len(microbatch) >= 5, microbatch
    assert {name: hooks for name, hooks in microbatch.items() if "refresh_join_statistics(this)" not in " ".join(hooks)} == {}
