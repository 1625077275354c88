"""Tests of approved hypotheses: design rules and sample size (``design``), design and start
within the active-test limit (``lifecycle``), results and stored analyses (``results``,
``results_files``, ``results_upload``), stop and decision (``ending``), reading helpers
(``common``) and the learnings library (``learnings``)."""
