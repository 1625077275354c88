"""Domain rules: plain functions that take the session, never Flask request objects."""
