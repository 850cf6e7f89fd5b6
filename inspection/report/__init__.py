"""The inspection report: self-contained HTML pages drawn from the published copy.

`render_report(publish, out, warehouse=...)` writes `index.html` (all units)
and one printable `unit-<id>.html` per unit into `out`:

- data.py reads the marts from the analysts' copy, and from the warehouse
  (read-only, when given) what the copy withholds: evidence, who reviewed;
- charts.py makes the Vega-Lite charts (Altair);
- bundle.py gives the Vega JavaScript inlined (gzip-compressed) in each page (no network);
- pages.py writes the HTML.
"""

from inspection.report.data import ReportError
from inspection.report.pages import render_report

__all__ = ["ReportError", "render_report"]
