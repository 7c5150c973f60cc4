"""Workflow rules. Keyword-only functions over a Session; no textual, no click, no printing."""
