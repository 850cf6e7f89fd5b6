"""fingertip's Dagster code location and command line.

Two Dagster features fingertip relies on are marked beta or preview in Dagster
1.13, and each use prints a warning on every command: a backfill policy (what
makes a range of delivery days one run) and partitioned asset checks (the GX
and delivery checks run per delivery day). They are silenced here, before any
module that uses them is imported. So is pyspark's notice about pandas 3,
printed when Great Expectations finds pyspark installed (the `spark` extra):
fingertip never runs GX on Spark.
"""

import warnings

from dagster import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec")
warnings.filterwarnings("ignore", category=FutureWarning, message="PySpark does not yet fully support pandas")
