"""The demo's words in each language; the loaders keep the numbers (the story).

Each language module (content_en, content_ru) defines the same names:

- TEAM: the demo team's name; PEOPLE: display name per role; REJECT_REASON: why the lead
  rejected the rejected ideas;
- IDEAS: the backlog's hypotheses, in the order of backlog.IDEAS;
- TESTS: the tested hypotheses with their metric, variant names and learning, in the order of
  experiments.TESTS;
- MONEY: how many units of the language's currency one unit of the story's money is worth.

and its reviews module (content_en_reviews, content_ru_reviews) the weekly reviews' words:

- GUEST: the attendee from sales added to every other review;
- NOTES and DECISIONS: the published weekly reviews, oldest first (a decision links to a
  hypothesis by its title in the same language).

The demo's texts are the team's data, not interface strings: they are not in the message
catalog, and a team sees them in the language it was loaded in.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import NamedTuple

LANGUAGES = ("en", "ru")


class IdeaText(NamedTuple):
    """A hypothesis as the team wrote it."""

    title: str
    change: str
    audience: str
    effect: str
    rationale: str
    channel: str
    tags: str

    def fields(self) -> dict[str, str]:
        """Return the hypothesis's fields these words fill."""
        return {
            "title": self.title,
            "change": self.change,
            "audience": self.audience,
            "expected_effect": self.effect,
            "rationale": self.rationale,
            "channel": self.channel,
            "tags": self.tags,
        }


class ExperimentText(NamedTuple):
    """A tested hypothesis, its primary metric, its variants (control first), its learning."""

    idea: IdeaText
    metric: str
    arms: tuple[str, ...]
    learning: str = ""


def content_for(language: str | None, part: str = "") -> ModuleType:
    """Return the demo's words in *language* ("en", "ru"; None means English): the team's and
    its backlog's and tests', or those of *part* ("reviews")."""
    language = language or "en"
    if language not in LANGUAGES:
        raise ValueError(f"The demo speaks {', '.join(LANGUAGES)}, not {language!r}.")
    return import_module(f"hypotheses.demo.content_{language}" + (f"_{part}" if part else ""))
