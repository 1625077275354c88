"""Accounts: users (``users``), who is in which team with which role (``memberships``),
signing in and changing passwords (``credentials``), password rules and hashing
(``passwords``), the sign-in throttle (``throttle``), API tokens (``tokens``), random tokens
stored as hashes (``hashed_tokens``), e-mailed one-time links (``links``, ``invitations``,
``resets``), teams and their settings (``teams``)."""
