"""Monthly trends over the last 24 UK calendar months, for the city, a locality or a team.

`monthly_trends` gives every series with its definition for a screen to plot;
`export_trends` renders them as CSV, XLSX or Markdown, saves the file and records the
export in the audit trail.
"""

from intapp.services.trends.counts import ADDITIVE, TeamCounts, scope_values, team_counts
from intapp.services.trends.months import MONTHS, Month, last_months
from intapp.services.trends.queries import PARTS, part_values
from intapp.services.trends.series import Series, Trends, definitions, monthly_trends, trends_of
from intapp.services.trends.window import Values

__all__ = [
    "ADDITIVE",
    "MONTHS",
    "PARTS",
    "Month",
    "Series",
    "TeamCounts",
    "Trends",
    "Values",
    "definitions",
    "last_months",
    "monthly_trends",
    "part_values",
    "scope_values",
    "team_counts",
    "trends_of",
]
