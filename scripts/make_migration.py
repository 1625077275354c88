"""Autogenerate an Alembic revision against a scratch SQLite database at head.

Usage: .venv/bin/python scripts/make_migration.py "message"
"""

import sys
import tempfile
from pathlib import Path

from alembic import command

from hypotheses.db import make_engine
from hypotheses.migrate import alembic_config, upgrade_database

with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite'}")
    upgrade_database(engine)
    command.revision(alembic_config(engine), message=sys.argv[1], autogenerate=True)
