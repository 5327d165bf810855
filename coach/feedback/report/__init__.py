"""`coach feedback report`: what agents did with the suggestions, over a date range.

`model.py` the figures (frozen values, pure arithmetic), `queries.py` one SQL query per view over
SQLite or PostgreSQL, `text.py` the terminal table, `html.py` and `svg.py` the page with its plots.
"""

from coach.feedback.report.model import DIMENSIONS, Figures, Group, Report, ReportRange
from coach.feedback.report.queries import build_report

__all__ = ["DIMENSIONS", "Figures", "Group", "Report", "ReportRange", "build_report"]
