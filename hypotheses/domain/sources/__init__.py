"""SQL data sources: connections (encrypted at rest), read-only runs with a timeout and a row
limit, the aggregate query generated per engine, test refreshes and KPI values from SQL."""
