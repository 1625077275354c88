"""Read-only views across areas: the dashboard and the CSV exports."""
