"""The board: columns and cards, each move compared with its button for every role (the same
outcome, the same messages), refusals, filters, the remembered view, and moves without
JavaScript (the card's menu posts a form and the page reloads)."""

from __future__ import annotations

import html
import re

import experiment_factories as ef
import factories
import pytest
from helpers import experiment_of, text
from sqlmodel import select

from hypotheses.domain.experiments import ending
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Hypothesis

ROLES = ("viewer", "marketer", "lead", "admin")


def alerts(response) -> list[str]:
    """Return the flash messages a page shows."""
    found = re.findall(r'<div class="alert [^"]*" role="\w+">(.*?)</div>', text(response), re.S)
    return [html.unescape(m).strip() for m in found]


def status_of(db, hypothesis) -> str:
    row = db.get(Hypothesis, hypothesis.id, populate_existing=True)
    db.commit()
    return row.status


# ------------------------------------------------------------------ arranging each move


def _idea(db, team, users):
    return factories.make_hypothesis(db, team=team, author=users["marketer"], status="idea")


def _backlog(db, team, users):
    return factories.make_hypothesis(db, team=team, author=users["marketer"])


def _own(db, team, users):
    return factories.make_hypothesis(db, team=team, author=users["lead"])


def _designed(db, team, users):
    return ef.designed(db, team=team, actor=users["lead"])


def _full(db, team, users):
    team.active_test_limit = 1
    db.add(team)
    db.commit()
    if not db.exec(select(Hypothesis.id).where(Hypothesis.status == "running")).first():
        ef.running(db, team=team, lead=users["lead"], title="Already running")
    db.commit()
    return ef.designed(db, team=team, actor=users["lead"])


def _running(db, team, users):
    return ef.running(db, team=team, lead=users["lead"])


def _running_with_results(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=False,
    )
    return hypothesis


def _free_slots(db, team, users):
    """Stop every running test of the team (each role's round starts with free slots)."""
    running = db.exec(select(Hypothesis.id).where(Hypothesis.status == "running")).all()
    db.commit()
    for hypothesis_id in running:
        ending.stop(db, team=team, actor=users["lead"], hypothesis_id=hypothesis_id, reason="x")


# name -> (arrange, the column it is dropped on, the button's URL)
MOVES = {
    "promote": (_idea, "backlog", "/backlog/{h}/promote"),
    "approve": (_backlog, "approved", "/backlog/{h}/approve"),
    "approve an idea": (_idea, "approved", "/backlog/{h}/approve"),
    "approve one's own": (_own, "approved", "/backlog/{h}/approve"),
    "archive": (_backlog, "archived", "/backlog/{h}/archive"),
    "start": (_designed, "running", "/experiments/{e}/start"),
    "start, running column full": (_full, "running", "/experiments/{e}/start"),
}


@pytest.mark.parametrize("move", list(MOVES))
def test_each_move_is_its_button(client, auth, db, team, users, move):
    """For each role, two hypotheses in the same state: one moved on the board, one by its
    button. Both end in the same status, with the same messages, or are both refused (403)."""
    arrange, to, button = MOVES[move]
    for role in ROLES:
        _free_slots(db, team, users)
        by_board, by_button = arrange(db, team, users), arrange(db, team, users)
        by_button.title = by_board.title  # the messages name it
        db.add(by_button)
        db.commit()
        before = by_board.status
        auth.login(role)

        moved = client.post(
            f"/backlog/board/{by_board.id}/move", data={"to": to, "version": by_board.version}
        )
        board_page = client.get(moved.headers["Location"]) if moved.status_code == 303 else None
        experiment = experiment_of(db, by_button)
        pressed = client.post(
            button.format(h=by_button.id, e=experiment.id if experiment else 0),
            data={"version": by_button.version},
        )
        if pressed.status_code == 403:
            assert moved.status_code == 403, role
            assert status_of(db, by_board) == before == status_of(db, by_button)
            continue
        assert moved.status_code == 303, role
        assert moved.headers["Location"].endswith(f"/backlog/board#card-{by_board.id}")
        if pressed.status_code == 302:
            button_page = client.get(pressed.headers["Location"])
        else:
            button_page = pressed
        assert alerts(board_page) == alerts(button_page), role
        assert alerts(board_page), role
        assert status_of(db, by_board) == status_of(db, by_button), role


def test_the_moves_do_what_they_say(client, auth, db, team, users):
    """The lead's moves, one after another: idea → backlog → approved (then designed) → running
    → finished; a full running column refuses with the running tests' names."""
    hypothesis = _idea(db, team, users)
    auth.login("lead")

    def move(h, to):
        version = db.get(Hypothesis, h.id, populate_existing=True).version
        db.commit()
        return client.post(
            f"/backlog/board/{h.id}/move",
            data={"to": to, "version": version},
            follow_redirects=True,
        )

    assert "Moved" in alerts(move(hypothesis, "backlog"))[0]
    assert status_of(db, hypothesis) == "backlog"
    assert "Approved" in alerts(move(hypothesis, "approved"))[0]
    assert status_of(db, hypothesis) == "approved"
    refused = move(hypothesis, "running")
    assert alerts(refused) == [
        "Design the test first: metric, baseline, effect, variants and traffic."
    ]
    assert status_of(db, hypothesis) == "approved"

    team.active_test_limit = 1
    db.add(team)
    db.commit()
    running = ef.running(db, team=team, lead=users["lead"], title="Checkout copy")
    waiting = ef.designed(db, team=team, actor=users["lead"])
    full = move(waiting, "running")
    assert alerts(full) == [
        "The team already runs 1 test (the limit): “Checkout copy”. "
        "Stop or finish one, or raise the limit in team settings."
    ]
    assert status_of(db, waiting) == "approved"
    assert "Test started" not in text(full)
    page = text(client.get("/backlog/board"))
    assert "1 of 1 test slots in use" in page
    assert f'id="card-{running.id}"' in page


@pytest.mark.parametrize(
    ("status", "to", "message"),
    [
        ("approved", "backlog", "cannot move from Approved to Backlog: no action does that."),
        ("backlog", "idea", "cannot move from Backlog to Idea: no action does that."),
        ("finished", "decided", "A decision needs its outcome and a learning"),
        ("running", "finished", "Finishing a test makes its latest results final"),
        ("backlog", "nowhere", "Choose one of the board's columns."),
        ("backlog", "", "Choose one of the board's columns."),
    ],
)
def test_moves_no_action_does_are_explained(client, auth, db, team, users, status, to, message):
    hypothesis = factories.make_hypothesis(db, team=team, status=status)
    auth.login("lead")
    response = client.post(
        f"/backlog/board/{hypothesis.id}/move", data={"to": to}, follow_redirects=True
    )
    assert response.status_code == 200
    assert any(message in a for a in alerts(response))
    assert status_of(db, hypothesis) == status


def test_bad_moves_are_refused_cleanly(client, auth, db, team, users):
    hypothesis = _backlog(db, team, users)
    auth.login("lead")
    assert client.post("/backlog/board/999999/move", data={"to": "approved"}).status_code == 404
    stale = client.post(
        f"/backlog/board/{hypothesis.id}/move",
        data={"to": "approved", "version": hypothesis.version + 5},
        follow_redirects=True,
    )
    assert "Not saved: this hypothesis changed after you opened the page" in alerts(stale)[0]
    bad_version = client.post(
        f"/backlog/board/{hypothesis.id}/move", data={"to": "approved", "version": "x" * 50}
    )
    assert bad_version.status_code == 400
    assert status_of(db, hypothesis) == "backlog"


def test_board_shows_columns_cards_slots_and_progress(client, auth, db, team, users):
    idea = factories.make_hypothesis(
        db, team=team, title="Quiz funnel", status="idea", stage="interest", subject="offer"
    )
    decided = factories.make_hypothesis(db, team=team, title="Old win", status="decided")
    running = _running_with_results(db, team, users)
    factories.make_hypothesis(db, team=team, title="Gone", status="archived")
    auth.login("viewer")
    response = client.get("/backlog/board")
    page = text(response)
    assert response.status_code == 200
    columns = re.findall(r'<section class="board-column" id="column-(\w+)"', page)
    assert columns == ["idea", "backlog", "approved", "running", "finished", "decided"]
    assert "Gone" not in page
    card = page[page.index(f'id="card-{idea.id}"') :]
    card = card[: card.index("</li>")]
    for shown in ("Quiz funnel", "5.0", "Interest", "Offer", "Owner: —"):
        assert shown in card
    assert f'id="card-{decided.id}"' in page
    running_card = page[page.index(f'id="card-{running.id}"') :]
    assert "10,000 of" in running_card[: running_card.index("</li>")]
    assert 'role="progressbar"' in running_card[: running_card.index("</li>")]
    assert "1 of 3 test slots in use" in page
    assert page.count('class="board-slot"') == 2
    # A viewer reads the board: no menu, no form, no token.
    assert 'class="board-menu"' not in page and "/move" not in page


def test_menus_follow_the_role(client, auth, db, team, users):
    idea = _idea(db, team, users)

    def menu(role):
        auth.login(role)
        page = text(client.get("/backlog/board"))
        card = page[page.index(f'id="card-{idea.id}"') :]
        return re.findall(r'name="to" value="(\w+)"', card[: card.index("</li>")])

    assert menu("viewer") == []
    assert menu("marketer") == ["backlog", "archived"]
    assert menu("lead") == ["backlog", "approved", "archived"]


def test_filters_apply_to_the_board(client, auth, db, team, users):
    shown = factories.make_hypothesis(db, team=team, title="Pricing page", stage="sale")
    hidden = factories.make_hypothesis(db, team=team, title="Banner", stage="attention")
    auth.login("viewer")
    page = text(client.get("/backlog/board?stage=sale"))
    assert f'id="card-{shown.id}"' in page and f'id="card-{hidden.id}"' not in page
    page = text(client.get("/backlog/board?q=banner"))
    assert f'id="card-{hidden.id}"' in page and f'id="card-{shown.id}"' not in page
    bad = client.get("/backlog/board?stage=nope&owner_id=abc")
    assert bad.status_code == 200
    assert "Not a valid choice" in text(bad)


def test_the_chosen_view_is_remembered(client, auth, db, team, users):
    auth.login("marketer")
    assert client.get("/backlog/").status_code == 200
    client.get("/backlog/board")
    again = client.get("/backlog/?stage=lead&sort=title")
    assert again.status_code == 302
    assert again.headers["Location"] == "/backlog/board?stage=lead"
    listed = client.get("/backlog/?view=list")
    assert listed.status_code == 200 and 'id="backlog-table"' in text(listed)
    assert client.get("/backlog/").status_code == 200


def test_no_javascript_move_through_the_menu(client, auth, db, team, users):
    """The menu's form as the page renders it (action, hidden fields, the button's value)
    moves the card and comes back to the board with the filters kept."""
    hypothesis = _idea(db, team, users)
    auth.login("marketer")
    page = text(client.get("/backlog/board?q=hypothesis"))
    form = re.search(
        r'<form method="post" action="([^"]+)" class="board-move" data-to="backlog">(.*?)</form>',
        page,
        re.S,
    )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    assert fields["to"] == "backlog" and fields["version"] == str(hypothesis.version)
    response = client.post(html.unescape(form.group(1)), data=fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/backlog/board?q=hypothesis#card-{hypothesis.id}"
    assert status_of(db, hypothesis) == "backlog"
