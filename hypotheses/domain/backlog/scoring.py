"""ICE and RICE scores, written once for Python numbers and for SQL.

``ice`` and ``rice`` are the formulas. They use only ``+``, ``*`` and ``/``, so the same code
computes a score from plain numbers (the hypothesis page, the API) and builds the SQL
expression the backlog list orders by (``ice_sql``, ``rice_sql``: the columns cast to floating
point first, so both paths do the same IEEE arithmetic and agree exactly). Scores are not
rounded here; ``rounded`` is the one rounding rule, applied where a score leaves the
application as a number (the API).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, case, cast, or_

from hypotheses.enums import ScoreFormula

DECIMALS = 4  # the one rounding rule for scores handed out as numbers


def ice(impact: Any, confidence: Any, ease: Any, formula: str) -> Any:
    """The ICE formula: the mean (I + C + E) / 3, or the product I × C × E."""
    if formula == ScoreFormula.PRODUCT:
        return impact * confidence * ease
    return (impact + confidence + ease) / 3


def rice(reach: Any, impact: Any, confidence: Any, effort: Any) -> Any:
    """The RICE formula: reach × impact × confidence / effort."""
    return reach * impact * confidence / effort


def ice_score(impact: int, confidence: int, ease: int, formula: str) -> float:
    """Return the ICE score of plain numbers under *formula* (mean or product)."""
    return float(ice(impact, confidence, ease, formula))


def rice_score(
    reach: int | None, impact: int, confidence: int, effort: float | None
) -> float | None:
    """Return the RICE score (None while reach or effort is unset, or effort is not above 0)."""
    if reach is None or effort is None or effort <= 0:
        return None
    return float(rice(float(reach), impact, confidence, effort))


def ice_sql(impact: Any, confidence: Any, ease: Any, formula: str) -> Any:
    """Return the SQL expression of the ICE score over three integer columns."""
    i, c, e = (cast(column, Float) for column in (impact, confidence, ease))
    return ice(i, c, e, formula)


def rice_sql(reach: Any, impact: Any, confidence: Any, effort: Any) -> Any:
    """Return the SQL expression of the RICE score (NULL when ``rice_score`` gives None)."""
    unset = or_(reach.is_(None), effort.is_(None), effort <= 0)
    return case((unset, None), else_=rice(cast(reach, Float), impact, confidence, effort))


def rounded(score: float | None) -> float | None:
    """Round a score the one way scores are handed out as numbers."""
    return None if score is None else round(score, DECIMALS)
