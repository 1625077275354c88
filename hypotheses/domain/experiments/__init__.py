"""Tests of approved hypotheses: design rules and sample size (``design``), design and start
within the active-test limit (``lifecycle``), results and finishing (``results``,
``results_files``, ``results_upload``, ``finishing``), running and storing the statistics engine
(``analyses``) and re-running stored analyses (``reruns``), stop and decision (``ending``,
``deciding``), the other metrics (``metrics``, ``metric_results``, ``metric_files``) and what a
test is worth (``impact``), verdicts and warnings in words (``verdicts``, ``verdict_warnings``,
``wording``, ``trust``), reading helpers (``common``, ``progress``) and the learnings library
(``learnings``)."""
