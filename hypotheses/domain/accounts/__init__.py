"""Accounts: users and sign-in (``users``), password rules and hashing (``passwords``), the
sign-in throttle (``throttle``), API tokens (``tokens``), teams and their settings (``teams``)."""
