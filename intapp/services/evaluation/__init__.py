"""Who gets what, and at what cost: the evaluation table.

`evaluation_table` gives outcomes (referrals, reablement outcomes, follow-ups,
re-referrals) and estimated costs by cohort and by triage pathway for a period and a
scope; `export_evaluation` renders it as CSV, XLSX or Markdown with its definitions and
unit costs, saves it and records the export in the audit trail.
"""

from intapp.services.evaluation.period import evaluation_period, last_complete_year
from intapp.services.evaluation.render import FORMATS, export_evaluation, render
from intapp.services.evaluation.table import (
    COLUMNS,
    EvaluationRow,
    EvaluationTable,
    evaluation_table,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "EvaluationRow",
    "EvaluationTable",
    "evaluation_period",
    "evaluation_table",
    "export_evaluation",
    "last_complete_year",
    "render",
]
