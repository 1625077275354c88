"""One page of a list: the ``Page`` every paginated list returns, and ``paginate`` that cuts it.

Pages are numbered from 1. A page number out of range is brought back into it (the last page
for a number past the end), and the page size is kept within 1..``MAX_PER_PAGE``. The one
macro that renders a ``Page`` is ``templates/macros/pagination.html``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import literal_column
from sqlmodel import Session, func, select

T = TypeVar("T")
U = TypeVar("U")
MAX_PER_PAGE = 100
MAX_PAGE = 100_000  # page numbers past this are treated as this (no huge OFFSETs)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, where it sits, and the size of the whole list."""

    items: list[T]
    page: int
    pages: int
    total: int
    per_page: int

    @classmethod
    def of(cls, items: Sequence[T], *, page: int, per_page: int, total: int) -> Page[T]:
        """Wrap *items* already cut by the caller (page *page* of *total* items)."""
        return cls(
            items=list(items),
            page=page,
            pages=max(1, math.ceil(total / per_page)),
            total=total,
            per_page=per_page,
        )

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        """Return the same page with each item passed through *fn*."""
        return Page(
            [fn(item) for item in self.items], self.page, self.pages, self.total, self.per_page
        )

    def numbers(self, around: int = 2) -> list[int | None]:
        """Return the page numbers a pager shows: the first, the last and *around* either side
        of this one; None marks a gap ("…")."""
        shown = sorted(
            {1, self.pages, *range(self.page - around, self.page + around + 1)}
            & set(range(1, self.pages + 1))
        )
        out: list[int | None] = []
        for number in shown:
            if out and number - (out[-1] or 0) == 2:
                out.append(number - 1)  # a gap of one page: show it rather than "…"
            elif out and number - (out[-1] or 0) > 2:
                out.append(None)
            out.append(number)
        return out


def page_number(raw: str | None) -> int:
    """Read a page number from a query string: digits only, kept within 1..MAX_PAGE, else 1."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(1, min(int(raw.lstrip("0")[:7] or 0), MAX_PAGE))


def bounds(page: int, per_page: int, total: int, *, max_per_page: int = MAX_PER_PAGE):
    """Return (page, per_page, pages) with the page and its size brought within range."""
    per_page = max(1, min(max_per_page, per_page))
    pages = max(1, math.ceil(total / per_page))
    return max(1, min(page, pages)), per_page, pages


def paginate(
    session: Session,
    query,
    *,
    page: int = 1,
    per_page: int = 25,
    order_by: Sequence[Any] = (),
    key: Any = None,
    max_per_page: int = MAX_PER_PAGE,
) -> Page[Any]:
    """Count the rows of the select *query*, then fetch one page of them in *order_by* order.

    Two statements whatever the size of the list. Items are the rows as the query returns
    them (``page.map`` turns them into the caller's shape). *query* must not be DISTINCT:
    the count reads only its FROM and WHERE.

    With *key* (the primary key column of the listed rows), the page is chosen by sorting
    the keys alone, and only its rows are read whole: sorting a long list carries one
    column, not every column of every row.
    """
    counted = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    total = session.exec(select(func.count()).select_from(counted.order_by(None).subquery())).one()
    page, per_page, pages = bounds(page, per_page, total, max_per_page=max_per_page)
    offset = (page - 1) * per_page
    if key is None:
        cut = query.order_by(*order_by).offset(offset).limit(per_page)
    else:
        keys = query.with_only_columns(key, maintain_column_froms=True)
        keys = keys.order_by(*order_by).offset(offset).limit(per_page)
        cut = query.where(key.in_(keys.scalar_subquery())).order_by(*order_by)
    rows = session.exec(cut).all()
    return Page(items=list(rows), page=page, pages=pages, total=total, per_page=per_page)
