"""The vocabulary: one module of string enums, each member with its translatable label."""

from __future__ import annotations

import importlib.util
import inspect
import pathlib
import re

import pytest
from flask_babel import LazyString

from hypotheses import enums
from hypotheses.enums import ExperimentStatus, Role, Stage, Status, Vocabulary

ROOT = pathlib.Path(__file__).resolve().parents[2]
VOCABULARIES = [
    cls
    for _name, cls in inspect.getmembers(enums, inspect.isclass)
    if issubclass(cls, Vocabulary) and cls is not Vocabulary
]


def test_labels_module_is_folded_into_the_enums():
    assert importlib.util.find_spec("hypotheses.labels") is None
    for path in [
        *ROOT.joinpath("hypotheses").rglob("*.py"),
        *ROOT.joinpath("templates").rglob("*"),
    ]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\blabels\.[A-Z]", text), path


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda cls: cls.__name__)
def test_every_member_has_a_translatable_label_and_compares_as_its_value(vocabulary):
    assert len(vocabulary) >= 2
    for member in vocabulary:
        assert isinstance(member.label, LazyString), member
        assert str(member.label).strip()
        assert member == member.value and vocabulary(member.value) is member
        assert vocabulary.label_of(member.value) is member.label
    assert list(vocabulary.labels()) == [m.value for m in vocabulary]


def test_unknown_values_keep_their_text():
    assert Stage.label_of("nope") == "nope"
    assert Stage.label_of("nope", "") == ""
    assert Stage.find("nope") is None
    assert Status.badge_of("nope") == "secondary"


def test_labels_and_badges_of_statuses(app):
    with app.test_request_context():
        assert str(Status.REJECTED.label) == "Rejected" and Status.REJECTED.badge == "danger"
        assert str(Role.label_of("lead")) == "Team lead"
        assert Role.choices()[0] == ("admin", "Admin")
        # A test shares its later statuses (and their look) with its hypothesis.
        for member in ExperimentStatus:
            if member is not ExperimentStatus.DESIGN:
                assert Status(member.value).badge == member.badge
                assert str(Status(member.value).label) == str(member.label)
