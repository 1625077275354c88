"""Share what every test app compiles alike (a pytest plugin loaded by conftest.py).

The suite builds a fresh app per test, hundreds per run, and two costs are the same each time:

- Jinja compiles every template the test renders. ``test_config()`` sets
  ``JINJA_BYTECODE_CACHE_DIR`` to a directory made for this test process, so a template is
  compiled once per process. Jinja compares the source's checksum on every load, so a template
  edited during the run is compiled again; the directory is deleted when the run ends, so
  nothing compiled under another configuration is ever reused.
- Werkzeug compiles a URL builder (an AST turned into Python code) for each of the ~95 routes.
  The builder depends only on the rule's parts, so it is memoised here by them.

Neither changes what an app does: the same templates render, the same URLs are built.
"""

from __future__ import annotations

import shutil
import tempfile

from werkzeug.routing import Rule

_bytecode_dir: str | None = None
_builders: dict = {}
_compile_builder = Rule._compile_builder


def bytecode_dir() -> str:
    """The directory of compiled templates for this test process (made on first use)."""
    global _bytecode_dir
    if _bytecode_dir is None:
        _bytecode_dir = tempfile.mkdtemp(prefix="hypotheses-test-templates-")
    return _bytecode_dir


def _memoised_builder(self: Rule, append_unknown: bool = True):
    try:
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((name, repr(value)) for name, value in defaults.items())),
            tuple(sorted((name, type(conv)) for name, conv in self._converters.items())),
            append_unknown,
        )
    except (AttributeError, TypeError):  # another Werkzeug: no sharing, same result
        return _compile_builder(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        # A plain function of (self, **values) with no closure: safe to bind to any rule.
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def pytest_configure(config):
    Rule._compile_builder = _memoised_builder


def pytest_unconfigure(config):
    Rule._compile_builder = _compile_builder
    _builders.clear()
    if _bytecode_dir is not None:
        shutil.rmtree(_bytecode_dir, ignore_errors=True)
