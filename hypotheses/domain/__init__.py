"""Domain rules: plain functions that take the session, never Flask request objects.

One package per area of the product, plus the shared ``core``:

* ``core``: typed errors, the use-case transaction, the audit trail, ISO weeks, reading
  uploaded CSV files.
* ``accounts``: users, passwords, sign-in throttling, API tokens, teams and their settings.
* ``backlog``: hypotheses from idea to approval: rules, scoring, the list, CSV import.
* ``experiments``: tests from design to decision: results, analyses, the learnings library.
* ``reviews``: the weekly review: agenda, KPI snapshot, decisions, the metric catalog, export.
* ``overview``: read-only views across areas: the dashboard and the CSV exports.

A caller imports a name from the module that defines it; packages re-export nothing.
"""
