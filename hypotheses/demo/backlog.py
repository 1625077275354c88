"""Demo hypotheses: a realistic backlog across funnel stages, levers and subjects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from sqlmodel import Session

from hypotheses.demo.content import content_for
from hypotheses.demo.history import logged
from hypotheses.domain.backlog.versions import ENTITY
from hypotheses.models import Hypothesis, Team, User, utcnow

# The backlog's numbers, in the order of the words in content_<language>.IDEAS (the English
# title above each row): stage, lever, subject, (I, C, E), status, owner role, days ago.
IDEAS = [
    # Outcome-first landing page headline
    ("interest", "conversion", "landing page", (7, 6, 9), "approved", "marketer", 20),
    # Call back every lead within 15 minutes
    ("lead", "conversion", "lead handling", (9, 7, 6), "approved", "lead", 26),
    # Money-back guarantee in the offer
    ("trust", "conversion", "offer", (8, 5, 8), "backlog", "marketer", 15),
    # Separate message for B2B clinics
    ("interest", "conversion", "segment", (7, 5, 6), "backlog", "marketer", 12),
    # Retention e-mail sequence after first purchase
    ("retention", "repeat", "message", (8, 6, 7), "backlog", "marketer", 33),
    # Shorter lead form
    ("lead", "conversion", "landing page", (6, 7, 9), "backlog", "marketer", 9),
    # Video testimonials on pricing page
    ("trust", "conversion", "creative", (6, 5, 5), "backlog", "marketer", 40),
    # Annual plan discount of 20%
    ("sale", "aov", "pricing", (7, 4, 7), "backlog", "lead", 18),
    # Lookalike audience from buyers
    ("attention", "traffic", "segment", (6, 6, 8), "backlog", "marketer", 7),
    # Problem-led ad creatives
    ("attention", "traffic", "creative", (5, 5, 9), "backlog", "marketer", 5),
    # Qualifying script for sales calls
    ("lead", "conversion", "lead handling", (6, 6, 7), "backlog", "lead", 28),
    # Bundle the starter kit with accessories
    ("sale", "aov", "offer", (6, 5, 6), "backlog", "marketer", 22),
    # Win-back SMS after 60 days
    ("retention", "repeat", "message", (5, 4, 8), "backlog", "marketer", 45),
    # Live chat on the checkout page
    ("sale", "conversion", "lead handling", (5, 5, 4), "backlog", "marketer", 50),
    # Free delivery threshold at 50
    ("sale", "aov", "pricing", (6, 6, 8), "backlog", "marketer", 11),
    # Case study webinar for enterprise leads
    ("trust", "traffic", "message", (5, 4, 4), "idea", "marketer", 61),
    # Referral bonus for existing customers
    ("retention", "traffic", "offer", (6, 4, 6), "idea", "marketer", 38),
    # Price anchoring with a premium plan
    ("sale", "aov", "pricing", (5, 3, 7), "idea", "lead", 3),
    # TikTok creators for awareness
    ("attention", "traffic", "creative", (4, 3, 5), "rejected", "marketer", 30),
    # Exit-intent discount popup
    ("interest", "conversion", "offer", (3, 3, 9), "rejected", "marketer", 35),
]


class Idea(NamedTuple):
    """A row of IDEAS."""

    stage: str
    lever: str
    subject: str
    ice: tuple[int, int, int]
    status: str
    owner_role: str
    days_ago: int

    def fields(self) -> dict[str, Any]:
        """Return the hypothesis's classification and ICE scores."""
        impact, confidence, ease = self.ice
        return {
            "stage": self.stage,
            "lever": self.lever,
            "subject": self.subject,
            "impact": impact,
            "confidence": confidence,
            "ease": ease,
        }


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Hypothesis]:
    """Add the demo backlog to *team* with an audit trail that reads like real use.

    The words are in the team's default language (English when it has none).
    """
    words = content_for(team.default_language)
    now = utcnow()
    created = []
    for text, row in zip(words.IDEAS, IDEAS, strict=True):
        idea = Idea(*row)
        status, author = idea.status, people[idea.owner_role]
        when = now - timedelta(days=idea.days_ago, hours=idea.days_ago % 7)
        hypothesis = Hypothesis(
            team_id=team.id,
            **text.fields(),
            **idea.fields(),
            owner_id=author.id,
            created_by_id=author.id,
            status=status,
            created_at=when,
            updated_at=when,
        )
        if status == "approved":
            approver = people["lead"] if author.id != people["lead"].id else people["admin"]
            hypothesis.approved_by_id = approver.id
            hypothesis.approved_at = when + timedelta(days=2)
            hypothesis.approved_version = 1
        if status == "rejected":
            hypothesis.reject_reason = words.REJECT_REASON
        session.add(hypothesis)
        session.flush()
        entered = "idea" if status == "idea" else "backlog"
        trail = [(when, "hypothesis.create", author, {"status": [None, entered]}, None)]
        if status in ("approved", "rejected"):
            action = f"hypothesis.{'approve' if status == 'approved' else 'reject'}"
            changes, note = {"status": ["backlog", status]}, hypothesis.reject_reason
            trail.append((when + timedelta(days=2), action, people["lead"], changes, note))
        for at, action, actor, changes, note in trail:
            logged(session, at, ENTITY, hypothesis, action, actor, changes=changes, note=note)
        created.append(hypothesis)
    return created
