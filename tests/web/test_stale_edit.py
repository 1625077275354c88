"""Two people editing one hypothesis: the second save is refused and shown what changed."""

from __future__ import annotations

import re

import factories
from sqlmodel import Session

FORM = {
    "title": "Shorter lead form",
    "change": "Cut the form to 3 fields",
    "audience": "All visitors",
    "expected_effect": "Lead rate +20%",
    "rationale": "Drop-off on field 4",
    "stage": "lead",
    "lever": "conversion",
    "subject": "landing page",
    "channel": "Website",
    "owner_id": "",
    "tags": "form",
    "links": "",
    "impact": "5",
    "confidence": "5",
    "ease": "5",
}


def reload(db: Session, obj):
    row = db.get(type(obj), obj.id, populate_existing=True)
    db.commit()
    return row


def form_version(response) -> str:
    match = re.search(
        r'id="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*id="version"',
        response.get_data(as_text=True),
    )
    assert match, "the edit form carries no version"
    return match.group(1) or match.group(2)


def sign_in(app, user):
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_the_second_save_is_refused_with_what_changed(app, db, team, users):
    hypothesis = factories.make_hypothesis(
        db, team=team, **{k: v for k, v in FORM.items() if k in ("title", "change", "audience")}
    )
    alice, bob = sign_in(app, users["marketer"]), sign_in(app, users["lead"])
    url = f"/backlog/{hypothesis.id}/edit"
    version_a, version_b = form_version(alice.get(url)), form_version(bob.get(url))
    assert version_a == version_b == "1"

    first = alice.post(
        url, data={**FORM, "title": "Alice's title", "impact": "9", "version": version_a}
    )
    assert first.status_code == 302
    second = bob.post(url, data={**FORM, "audience": "Bob's audience", "version": version_b})
    body = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else saved this record after you opened it." in body
    assert users["marketer"].name in body and "Alice&#39;s title" in body  # who and what changed
    # The form now holds the current values where Bob typed nothing, his own entry elsewhere,
    # and the current version, so a deliberate second save can go through.
    assert 'value="Alice&#39;s title"' in body and 'value="Bob&#39;s audience"' in body
    assert re.search(r'id="impact"[^>]*value="9"', body)
    assert form_version(second) == "2"

    stored = reload(db, hypothesis)
    assert (stored.title, stored.audience, stored.impact, stored.version) == (
        "Alice's title",
        "All visitors",
        9,
        2,
    )

    again = bob.post(
        url,
        data={
            **FORM,
            "title": "Alice's title",
            "impact": "9",
            "audience": "Bob's audience",
            "version": "2",
        },
    )
    assert again.status_code == 302
    stored = reload(db, hypothesis)
    assert (stored.title, stored.audience, stored.version) == ("Alice's title", "Bob's audience", 3)


def test_a_stale_inline_score_is_refused(app, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    alice, bob = sign_in(app, users["marketer"]), sign_in(app, users["lead"])
    scores = {"impact": "9", "confidence": "9", "ease": "9", "version": "1"}
    assert alice.post(f"/backlog/{hypothesis.id}/score", data=scores).status_code == 302
    response = bob.post(
        f"/backlog/{hypothesis.id}/score", data={**scores, "impact": "1"}, follow_redirects=True
    )
    assert "Not saved: this hypothesis changed after you opened the page" in response.get_data(
        as_text=True
    )
    stored = reload(db, hypothesis)
    assert (stored.impact, stored.version) == (9, 2)


def test_approving_a_page_that_changed_meanwhile_is_refused(app, db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    author, lead = sign_in(app, users["marketer"]), sign_in(app, users["lead"])
    page = lead.get(f"/backlog/{hypothesis.id}").get_data(as_text=True)
    assert 'id="approve-hypothesis"' in page
    author.post(
        f"/backlog/{hypothesis.id}/edit", data={**FORM, "change": "Something else", "version": "1"}
    )
    response = lead.post(
        f"/backlog/{hypothesis.id}/approve", data={"version": "1"}, follow_redirects=True
    )
    assert "Not saved" in response.get_data(as_text=True)
    stored = reload(db, hypothesis)
    assert (stored.status, stored.approved_by_id, stored.change) == (
        "backlog",
        None,
        "Something else",
    )
