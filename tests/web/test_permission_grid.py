"""Every route declares a permission, and every role x route answers as the permission
table says."""

from __future__ import annotations

import pytest

from hypotheses.permissions import PERMISSIONS, role_can

ROLES = ("viewer", "marketer", "lead", "admin")
SAMPLE_ARGS = {"int": "1", "string": "2026-W01"}


def _endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        yield rule


def _url(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = SAMPLE_ARGS["int"] if f"<int:{arg}>" in rule.rule else SAMPLE_ARGS["string"]
        for token in (f"<int:{arg}>", f"<{arg}>", f"<string:{arg}>", f"<path:{arg}>"):
            url = url.replace(token, value)
    return url


def test_every_endpoint_declares_a_permission(app):
    missing = []
    for rule in _endpoints(app):
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "permission"):
            missing.append(rule.endpoint)
        elif view.permission not in (None, "login") and view.permission not in PERMISSIONS:
            missing.append(f"{rule.endpoint} (unknown permission {view.permission!r})")
    assert not missing, f"endpoints without a permission declaration: {missing}"


def _grid(app):
    cells = []
    for rule in _endpoints(app):
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission in (None, "login") or rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cells.append((rule, method, permission))
    return cells


@pytest.mark.slow
def test_permission_grid(app, client, auth, users):
    """Each role gets 403 exactly where the permission table denies it (browser routes)."""
    failures = []
    cells = _grid(app)
    assert len(cells) > 20, "the grid should cover the app's routes"
    for role in ROLES:
        auth.login(role)
        for rule, method, permission in cells:
            response = client.open(_url(rule), method=method, data={})
            allowed = role_can(role, permission)
            if allowed and response.status_code == 403:
                failures.append(f"{role} refused {method} {rule.rule} ({permission})")
            if not allowed and response.status_code != 403:
                failures.append(
                    f"{role} got {response.status_code} on {method} {rule.rule} ({permission})"
                )
            if response.status_code >= 500:
                failures.append(f"{role} got {response.status_code} on {method} {rule.rule}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/backlog/",
        "/experiments/",
        "/learnings/",
        "/reviews/",
        "/admin/settings",
        "/admin/users",
    ],
)
def test_anonymous_is_sent_to_sign_in(client, users, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path", ["/backlog/2147483648", "/backlog/99999999999999999999", "/experiments/4294967296"]
)
def test_huge_ids_are_not_found_not_errors(client, auth, path):
    auth.login("lead")
    assert client.get(path).status_code == 404
