"""Read-only views across areas: the dashboard (``dashboard``, ``first_steps``) and the CSV
exports (``csv_export`` lists them; ``csv_tests`` builds the tests' rows, ``csv_columns`` names
the columns in the user's language, ``csv_cells`` writes formula-safe cells)."""
