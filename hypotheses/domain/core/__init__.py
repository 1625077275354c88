"""Shared pieces every area uses: errors, the use-case transaction, the audit trail, ISO weeks
and reading uploaded CSV files."""
