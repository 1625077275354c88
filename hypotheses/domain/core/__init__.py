"""Shared pieces every area uses: errors, the use-case transaction, the audit trail, ISO weeks,
reading uploaded CSV files and the actor's role in a team (roles)."""
