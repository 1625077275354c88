"""Default configuration; instance/config.py and HYPOTHESES_* environment override it."""

from datetime import timedelta
from pathlib import Path


class DefaultConfig:
    """Code defaults, safe for a single machine; production overrides come from the instance."""

    SECRET_KEY: str | None = None  # generated once into instance/secret_key when unset
    DATABASE_URL: str | None = None  # SQLite file in instance/ when unset
    # Argon2id, OWASP's costs (t=2 passes, m=19 MiB, p=1 lane); "argon2id" alone takes the
    # library's RFC 9106 profile. Older PBKDF2 hashes still verify and are re-hashed at sign-in.
    PASSWORD_HASH_METHOD = "argon2id:t=2:m=19456:p=1"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Over HTTPS the cookies become Secure with the __Host- prefix. None: on exactly when
    # PREFERRED_URL_SCHEME is "https"; True/False force it (instance/config.py).
    SECURE_COOKIES: bool | None = None
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # absolute lifetime of a sign-in
    SESSION_IDLE_MINUTES = 60  # signed out after this long without a request
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # Results uploads stream from disk; they may be far larger than ordinary forms.
    MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    # Absolute, so the catalogs are found however the package is installed (editable or not).
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
    LANGUAGES = ["en", "ru"]
    # Login throttling: delay grows after this many failures inside the window.
    LOGIN_FREE_ATTEMPTS = 5  # per account and address: then 1, 2, 4 ... s between attempts
    LOGIN_FREE_ATTEMPTS_PER_ADDRESS = 50  # per address, over all accounts (proxies, NAT)
    LOGIN_WINDOW_SECONDS = 15 * 60
    # Reverse proxies in front of the app (nginx, a load balancer): their X-Forwarded-For is
    # believed for that many hops, so throttling and logs see the client's own address.
    TRUSTED_PROXIES = 0
    LOGIN_MAX_DELAY_SECONDS = 30
    PAGE_SIZE = 25
    # Keep each rendered backlog page until the data changes (backlog/page_cache.py); off
    # (HYPOTHESES_PAGE_CACHE=false), every request renders it anew.
    PAGE_CACHE = True
    # A directory for compiled templates shared by every app that names it (the test suite
    # builds hundreds of apps); unset, each app compiles its own templates in memory.
    JINJA_BYTECODE_CACHE_DIR: str | None = None
