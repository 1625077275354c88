"""The backlog's sortable column headers: orders done in SQL, links that keep the filters,
aria-sort on the sorted column, and a bad order refused with a message."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import factories
import pytest
from helpers import text

from hypotheses.models import utcnow


def order(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="row-(\d+)"', text(response))]


@pytest.fixture
def three(db, team, users):
    now = utcnow()
    lead, marketer = users["lead"], users["marketer"]
    # Names: admin/lead/marketer users are "<Role> user …"; owner order follows them.
    a = factories.make_hypothesis(
        db,
        team=team,
        title="banner copy",
        impact=9,
        confidence=9,
        ease=9,
        status="approved",
        author=marketer,
        created_at=now - timedelta(days=3),
    )
    b = factories.make_hypothesis(
        db,
        team=team,
        title="Annual plan",
        impact=2,
        confidence=2,
        ease=2,
        status="idea",
        author=lead,
        created_at=now - timedelta(days=1),
    )
    c = factories.make_hypothesis(
        db,
        team=team,
        title="Checkout form",
        impact=5,
        confidence=5,
        ease=5,
        status="backlog",
        created_at=now - timedelta(days=2),
    )
    return a.id, b.id, c.id


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("score", (0, 2, 1)),
        ("score-asc", (1, 2, 0)),
        ("title", (1, 0, 2)),
        ("title-desc", (2, 0, 1)),
        ("newest", (1, 2, 0)),
        ("oldest", (0, 2, 1)),
        ("status", (1, 2, 0)),  # idea, backlog, approved: the lifecycle's order
        ("status-desc", (0, 2, 1)),
    ],
)
def test_each_order(client, auth, three, sort, expected):
    auth.login("viewer")
    response = client.get(f"/backlog/?sort={sort}")
    assert response.status_code == 200
    assert order(response) == [three[i] for i in expected]


def test_owner_order_puts_nobody_last(client, auth, three, users):
    auth.login("viewer")
    names = sorted([(users["lead"].name.lower(), 1), (users["marketer"].name.lower(), 0)])
    first, second = (i for _n, i in names)
    assert order(client.get("/backlog/?sort=owner")) == [three[first], three[second], three[2]]
    assert order(client.get("/backlog/?sort=owner-desc")) == [
        three[second],
        three[first],
        three[2],
    ]


def _headers(response) -> dict[str, tuple[str | None, str]]:
    """Return {label: (aria-sort, href)} of the table's sortable headers."""
    out = {}
    for attrs, href, label in re.findall(
        r'<th scope="col"([^>]*)><a class="sort-link" href="([^"]+)">([^<]+)', text(response)
    ):
        aria = re.search(r'aria-sort="(\w+)"', attrs)
        out[label.strip()] = (aria.group(1) if aria else None, html.unescape(href))
    return out


def test_headers_link_to_their_order_keep_filters_and_say_aria_sort(client, auth, three):
    auth.login("viewer")
    heads = _headers(client.get("/backlog/?stage=lead&q=form&page=2"))
    assert set(heads) == {"Score", "Title", "Owner", "Status", "Age"}
    # Sorted by score by default: its header says so and links to the reverse order.
    assert heads["Score"] == ("descending", "/backlog/?stage=lead&q=form&sort=score-asc")
    assert heads["Title"] == (None, "/backlog/?stage=lead&q=form&sort=title")
    assert heads["Age"] == (None, "/backlog/?stage=lead&q=form&sort=newest")
    heads = _headers(client.get("/backlog/?sort=title&status=all"))
    assert heads["Title"] == ("ascending", "/backlog/?status=all&sort=title-desc")
    assert heads["Score"][0] is None
    heads = _headers(client.get("/backlog/?sort=title-desc"))
    assert heads["Title"] == ("descending", "/backlog/?sort=title")
    assert _headers(client.get("/backlog/?sort=oldest"))["Age"][0] == "descending"
    assert _headers(client.get("/backlog/?sort=newest"))["Age"][0] == "ascending"


def test_rice_header_only_for_rice_teams(client, auth, db, team, three):
    auth.login("viewer")
    assert "RICE" not in _headers(client.get("/backlog/"))
    team.rice_enabled = True
    db.add(team)
    db.commit()
    heads = _headers(client.get("/backlog/?sort=rice"))
    assert heads["RICE"] == ("descending", "/backlog/?sort=rice-asc")


def test_unknown_order_gets_a_message_not_an_error(client, auth, three):
    auth.login("viewer")
    response = client.get("/backlog/?sort=bogus")
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)
    assert order(response) == [three[0], three[2], three[1]]  # by score
