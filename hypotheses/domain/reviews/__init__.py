"""The weekly results review: the review itself (``lifecycle``, ``queries``), its agenda
(``agenda``), decisions (``decisions``), the KPI snapshot (``kpis``) over the team's metric
catalog (``metrics``) and the Markdown export (``export``)."""
