"""fingertip's Dagster code location and command line.

Two Dagster features fingertip relies on are marked beta or preview in Dagster
1.13, and each use prints a warning on every command: a backfill policy (what
makes a range of delivery days one run) and partitioned asset checks (the GX
and delivery checks run per delivery day). They are silenced here, before any
module that uses them is imported. So is pyspark's notice about pandas 3,
printed when Great Expectations finds pyspark installed (the `spark` extra):
fingertip never runs GX on Spark.

The two warning classes come from the module that defines them (`dagster` re-exports them): this
package is also imported by the `fingertip-dbt` process (orchestration/dbt_process.py), which never
uses Dagster and would pay 0.6 s of CPU to import it (tests/test_definitions.py checks they are
Dagster's own).
"""

import warnings

from dagster_shared.utils.warnings import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec")
warnings.filterwarnings("ignore", category=FutureWarning, message="PySpark does not yet fully support pandas")
