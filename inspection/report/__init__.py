"""The inspection report (split by idea in the next change)."""

from inspection.report.pages import ReportError, render_report

__all__ = ["ReportError", "render_report"]
