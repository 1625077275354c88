"""The learnings library: decided tests, what they taught, and how well the team predicts.

Read-only functions: they never write or commit. A test counts as *decided* once a lead has
recorded a decision (ship, iterate or kill) for it, whatever happened to the hypothesis after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import String, literal, or_
from sqlmodel import Session, col, func, select

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.core.pagination import Page, paginate
from hypotheses.domain.experiments import trust
from hypotheses.enums import Lever, Outcome, Stage, Subject
from hypotheses.models import Experiment, Hypothesis, Team, User

# Score buckets for calibration: low, middle, high (ICE scores are integers 1-10).
BUCKETS = ((1, 4), (5, 7), (8, 10))
# Below this many decided tests the calibration is a hint, not evidence.
FEW_TESTS = 10
TEXT_COLUMNS = ("title", "change", "audience", "expected_effect", "rationale", "tags", "channel")


def _of_experiment(name: str) -> property:
    """A read-only attribute of a row that is its experiment's field *name*."""
    return property(lambda row: getattr(row.experiment, name), doc=f"The experiment's {name}.")


@dataclass
class LearningRow:
    """One decided test: the hypothesis, its experiment, the latest verdict and who decided."""

    hypothesis: Hypothesis
    experiment: Experiment
    verdict: str | None
    decided_by: str | None

    decision = _of_experiment("decision")
    outcome = _of_experiment("outcome")
    learning = _of_experiment("learning")
    decided_at = _of_experiment("decided_at")


def normalise_tag(value: str | None) -> str:
    """Return a tag as stored on hypotheses: single spaces, no leading '#', lower-case."""
    return " ".join((value or "").split()).lstrip("#").strip().lower()


def _decided(team: Team):
    """Return the base query: the team's decided experiments with their hypotheses."""
    return (
        select(Experiment, Hypothesis, User.name)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .join(User, col(User.id) == col(Experiment.decided_by_id), isouter=True)
        .where(
            Experiment.team_id == team.id,
            Hypothesis.team_id == team.id,
            col(Experiment.decision).is_not(None),
        )
    )


def _tag_expression():
    """Return ',tag1,tag2,' built from the stored tags, so one tag matches exactly."""
    stored = func.replace(func.lower(col(Hypothesis.tags), type_=String), ", ", ",", type_=String)
    return literal(",", String) + stored + literal(",", String)


def _validate(stage, lever, subject, outcome, decided_from, decided_to) -> None:
    errors: dict[str, list[str]] = {}
    for name, value, allowed in (
        ("stage", stage, Stage),
        ("lever", lever, Lever),
        ("subject", subject, Subject),
        ("outcome", outcome, Outcome),
    ):
        if value not in (None, "") and value not in {v.value for v in allowed}:
            errors[name] = [_("Not a valid choice.")]
    for name, value in (("decided_from", decided_from), ("decided_to", decided_to)):
        if value is not None and not isinstance(value, date):
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    if (
        isinstance(decided_from, date)
        and isinstance(decided_to, date)
        and decided_from > decided_to
    ):
        errors["decided_to"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationFailed(errors, _("Some filters are invalid."))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_learnings(
    session: Session,
    *,
    team: Team,
    q: str | None = None,
    stage: str | None = None,
    lever: str | None = None,
    subject: str | None = None,
    outcome: str | None = None,
    decided_from: date | None = None,
    decided_to: date | None = None,
    tag: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[LearningRow]:
    """Find the team's decided tests, newest decision first, one page.

    *q* searches the hypothesis text, its tags and the learning (case-insensitive). Dates are
    UTC days and both ends are inclusive. Invalid filters raise ValidationFailed per field.
    """
    _validate(stage, lever, subject, outcome, decided_from, decided_to)
    query = _decided(team)
    for name, value in (("stage", stage), ("lever", lever), ("subject", subject)):
        if value:
            query = query.where(getattr(Hypothesis, name) == value)
    if outcome:
        query = query.where(Experiment.outcome == outcome)
    if decided_from is not None:
        query = query.where(col(Experiment.decided_at) >= _start_of(decided_from))
    if decided_to is not None:
        query = query.where(col(Experiment.decided_at) < _start_of(decided_to + timedelta(days=1)))
    wanted_tag = normalise_tag(tag)[:60]
    if wanted_tag:
        query = query.where(_tag_expression().contains(f",{wanted_tag},", autoescape=True))
    text = (q or "").strip().lower()[:200]
    if text:
        columns = [col(getattr(Hypothesis, name)) for name in TEXT_COLUMNS]
        columns.append(col(Experiment.learning))
        query = query.where(
            or_(
                *(
                    func.lower(column, type_=String).contains(text, autoescape=True)
                    for column in columns
                )
            )
        )
    found = paginate(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=(col(Experiment.decided_at).desc(), col(Experiment.id).desc()),
    )
    verdicts = latest_verdicts(session, experiment_ids=[e.id for e, _h, _n in found.items])
    return found.map(
        lambda row: LearningRow(
            hypothesis=row[1], experiment=row[0], verdict=verdicts.get(row[0].id), decided_by=row[2]
        )
    )


def latest_verdicts(session: Session, *, experiment_ids: list[int]) -> dict[int, str]:
    """Return {experiment id: the verdict of the newest analysis of its latest results}, in
    the reader's language, the warning first when it may not be trusted (trust.verdict_line)."""
    return trust.latest_verdicts(session, experiment_ids)


# ---------------------------------------------------------------- tag win rates


@dataclass
class TagRate:
    """How the decided tests carrying one tag turned out."""

    tag: str
    decided: int
    won: int

    @property
    def rate(self) -> float:
        return self.won / self.decided if self.decided else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.rate)


def _decided_pairs(session: Session, team: Team) -> list[tuple[Experiment, Hypothesis]]:
    return [(e, h) for e, h, _name in session.exec(_decided(team)).all()]


def tag_win_rates(session: Session, *, team: Team) -> list[TagRate]:
    """Return the win rate per tag over decided tests: best rate, then most tests, then name."""
    decided: dict[str, int] = defaultdict(int)
    won: dict[str, int] = defaultdict(int)
    for experiment, hypothesis in _decided_pairs(session, team):
        for tag in {normalise_tag(t) for t in hypothesis.tag_list} - {""}:
            decided[tag] += 1
            won[tag] += experiment.outcome == Outcome.WON
    rates = [TagRate(tag=tag, decided=n, won=won[tag]) for tag, n in decided.items()]
    return sorted(rates, key=lambda r: (-r.rate, -r.decided, r.tag))


# ---------------------------------------------------------------- calibration


@dataclass
class Bucket:
    """Decided tests whose score fell in [low, high], by outcome."""

    low: int
    high: int
    decided: int = 0
    won: int = 0
    lost: int = 0
    inconclusive: int = 0

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"

    @property
    def rate(self) -> float | None:
        return self.won / self.decided if self.decided else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(100 * self.rate)

    def range_text(self) -> str:
        """Say the range as a reader would: '≥ 8', '≤ 4' or '5–7'."""
        if self.high >= 10:
            return f"≥ {self.low}"
        if self.low <= 1:
            return f"≤ {self.high}"
        return self.label


@dataclass
class Calibration:
    """How one ICE score (confidence or impact) lined up with the tests' real outcomes."""

    dimension: str  # "confidence" | "impact"
    name: str
    buckets: list[Bucket]
    sentences: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def decided(self) -> int:
        return sum(b.decided for b in self.buckets)


def _sentence(name: str, bucket: Bucket) -> str:
    return _(
        "Of tests scored %(name)s %(range)s, %(won)d of %(decided)d won (%(percent)d%%).",
        name=name,
        range=bucket.range_text(),
        won=bucket.won,
        decided=bucket.decided,
        percent=bucket.percent or 0,
    )


def _summary(name: str, buckets: list[Bucket]) -> str:
    total = sum(b.decided for b in buckets)
    if not total:
        return _("No decided tests yet: calibration appears once tests have outcomes.")
    high = buckets[-1]
    rest = Bucket(low=1, high=high.low - 1)
    for b in buckets[:-1]:
        rest.decided, rest.won = rest.decided + b.decided, rest.won + b.won
    if high.decided and rest.decided:
        scored = high.range_text()
        rates = {"name": name, "range": scored, "high": high.percent, "rest": rest.percent}
        if high.rate > rest.rate:
            text = _(
                "Tests scored %(name)s %(range)s won %(high)d%% of the time, against "
                "%(rest)d%% for the rest: high scores have pointed the right way so far.",
                **rates,
            )
        else:
            text = _(
                "Tests scored %(name)s %(range)s won %(high)d%% of the time, against "
                "%(rest)d%% for the rest: high scores have not predicted wins so far, so "
                "score more cautiously.",
                **rates,
            )
    elif high.decided:
        text = _(
            "Every decided test was scored %(name)s %(range)s; there is nothing to compare "
            "with yet.",
            name=name,
            range=high.range_text(),
        )
    else:
        text = _(
            "No decided test was scored %(name)s %(range)s yet.", name=name, range=high.range_text()
        )
    if total < FEW_TESTS:
        text += " " + ngettext(
            "Only %(num)d decided test: read this as a hint, not proof.",
            "Only %(num)d decided tests: read this as a hint, not proof.",
            total,
        )
    return text


def calibration(session: Session, *, team: Team) -> list[Calibration]:
    """Compare the Confidence and Impact scores of decided tests with their outcomes."""
    pairs = _decided_pairs(session, team)
    result = []
    for dimension, name in (("confidence", _("Confidence")), ("impact", _("Impact"))):
        buckets = [Bucket(low=low, high=high) for low, high in BUCKETS]
        for experiment, hypothesis in pairs:
            score = getattr(hypothesis, dimension)
            bucket = next(b for b in buckets if b.low <= score <= b.high)
            bucket.decided += 1
            if experiment.outcome == Outcome.WON:
                bucket.won += 1
            elif experiment.outcome == Outcome.LOST:
                bucket.lost += 1
            elif experiment.outcome == Outcome.INCONCLUSIVE:
                bucket.inconclusive += 1
        sentences = [_sentence(name, b) for b in reversed(buckets) if b.decided]
        result.append(
            Calibration(
                dimension=dimension,
                name=name,
                buckets=buckets,
                sentences=sentences,
                summary=_summary(name, buckets),
            )
        )
    return result
