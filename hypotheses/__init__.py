"""hypotheses: the experiment backlog and weekly review service for growth teams."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import FileSystemBytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, generating it once (shared by every worker)."""
    path = instance_path / "secret_key"
    if not path.exists():
        key = secrets.token_hex(32)
        # O_EXCL: when several workers start at once, exactly one writes the key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
    return path.read_text().strip()


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | Path | None = None
) -> Flask:
    """Create the Flask app: config layers, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=str(instance_path or PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from hypotheses.uploads import UploadRequest

    app.request_class = UploadRequest  # large form files in named temporary files
    app.config.from_object("hypotheses.config.DefaultConfig")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("HYPOTHESES")
        for name in ("DATABASE_URL", "SECRET_KEY"):
            if os.environ.get(name):
                app.config[name] = os.environ[name]
    else:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'hypotheses.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    if app.config.get("JINJA_BYTECODE_CACHE_DIR"):
        cache_dir = str(app.config["JINJA_BYTECODE_CACHE_DIR"])
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(cache_dir)

    _trust_proxies(app)
    _secure_cookies(app)

    from hypotheses import db, web

    db.init_app(app)
    web.init_app(app)

    from hypotheses.cli import register_cli

    register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from the
    X-Forwarded-* headers they set (only that many hops are believed; 0 trusts none)."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if not isinstance(proxies, int) or isinstance(proxies, bool) or not 0 <= proxies <= 10:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number from 0 to 10, not {proxies!r}")
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )


def _secure_cookies(app: Flask) -> None:
    """Served over HTTPS (SECURE_COOKIES, by default on when PREFERRED_URL_SCHEME is https):
    the cookies are Secure and carry the ``__Host-`` prefix (host-only, path /, never sent or
    set over plain HTTP)."""
    secure = app.config.get("SECURE_COOKIES")
    if secure is None:
        secure = app.config.get("PREFERRED_URL_SCHEME") == "https"
    if secure:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_DOMAIN=None,
            SESSION_COOKIE_PATH="/",
            REMEMBER_COOKIE_SECURE=True,
            REMEMBER_COOKIE_NAME="__Host-remember_token",
            REMEMBER_COOKIE_DOMAIN=None,
            REMEMBER_COOKIE_PATH="/",
        )
