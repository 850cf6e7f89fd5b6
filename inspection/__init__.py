"""The inspectors' domain: the report they read (report/) and the verdicts they give (reviews.py).

Dagster's thin assets for both are in orchestration/assets/ (report.py, reviews.py).
"""
