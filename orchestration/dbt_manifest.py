"""dbt's manifest: where dbt writes it, what it was parsed from, and whether it is up to date.

Apart from resources.py, which parses when it is not (prepare_dbt_manifest): this module imports
neither Dagster nor dbt, so that a process that only needs to know (the test suite's controller,
before its workers start) pays for neither.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

# dbt_project/profiles.yml's target per engine, and the profile's default target.
DBT_TARGETS = {"duckdb": "dev", "spark": "spark"}
DBT_DEFAULT_TARGET = "dev"


def dbt_target_arg(engine: str) -> str | None:
    """The `--target` fingertip names for an engine: none for the profile's default (dev). dbt hashes
    `--target` into its parse state, and an analyst's `dbt build` in dbt_project/ (README) names
    none, so it starts from the parse fingertip left there."""
    return None if DBT_TARGETS[engine] == DBT_DEFAULT_TARGET else DBT_TARGETS[engine]


def _writable(folder: Path) -> bool:
    """Can this process create files in `folder` (or create `folder`)?"""
    while not folder.exists():
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def dbt_target_dir() -> Path:
    """Where dbt writes its manifest, compiled SQL and logs.

    dbt_project/target when this user can write it; otherwise (a shared
    checkout, another user's clone) a folder of this user's own in the temp
    directory, so that a build never needs write access to the code.
    DBT_TARGET_PATH, if set, wins.
    """
    if os.environ.get("DBT_TARGET_PATH"):
        return Path(os.environ["DBT_TARGET_PATH"]).resolve()
    default = DBT_PROJECT_DIR / "target"
    if _writable(default):
        return default
    own = Path(tempfile.gettempdir()) / f"fingertip-dbt-{os.getuid()}" / "target"
    own.mkdir(parents=True, exist_ok=True)
    return own


# dbt's own outputs in the project folder: everything else in it is what a parse reads.
DBT_OUTPUT_FOLDERS = ("target", "logs", "dbt_packages")
# dbt writes its anonymous user id beside profiles.yml (here) on its first run: not an input.
DBT_USER_FILE = ".user.yml"
MANIFEST_KEY_FILE = ".manifest_key"


def dbt_project_fingerprint(engine: str) -> str:
    """A hash of every file of the dbt project (its outputs aside), the profile target and dbt's version."""
    dbt_version = importlib.metadata.version("dbt-core")  # dbt.version's own, without importing dbt
    digest = hashlib.sha256(f"{dbt_version}\0{DBT_TARGETS[engine]}\0{dbt_target_arg(engine)}".encode())
    for top in sorted(DBT_PROJECT_DIR.iterdir()):
        if top.name in (*DBT_OUTPUT_FOLDERS, DBT_USER_FILE):  # the build folders (thousands of files) are not walked
            continue
        for file in sorted([top, *top.rglob("*")] if top.is_dir() else [top]):
            if file.is_file():
                digest.update(f"\0{file.relative_to(DBT_PROJECT_DIR)}\0".encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def manifest_is_current(engine: str, key: str | None = None) -> bool:
    """Is the target's manifest.json parsed from the project as it is now (`key`: its fingerprint)?"""
    target = dbt_target_dir()
    key_file = target / MANIFEST_KEY_FILE
    if not ((target / "manifest.json").exists() and key_file.exists()):
        return False
    return key_file.read_text() == (key or dbt_project_fingerprint(engine))
