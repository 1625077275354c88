# Copy to instance/config.py and adjust. Every key can also come from the environment
# as HYPOTHESES_<KEY> (e.g. HYPOTHESES_SECRET_KEY); DATABASE_URL and SECRET_KEY are also
# read without the prefix.

# Any SQLAlchemy URL. Unset: a SQLite file in instance/.
# DATABASE_URL = "postgresql+psycopg://hypotheses:secret@127.0.0.1:5432/hypotheses"

# At least 32 random bytes, identical for every gunicorn worker. Unset: generated once
# into instance/secret_key.
# SECRET_KEY = "..."

# Behind TLS, send cookies over HTTPS only.
# SESSION_COOKIE_SECURE = True
# REMEMBER_COOKIE_SECURE = True

# Largest results upload (per-user CSV files stream from disk), in bytes.
# MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
