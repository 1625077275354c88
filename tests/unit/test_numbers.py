"""The one number parser: the forms people type in either language, refusals with messages."""

from __future__ import annotations

import pytest

from hypotheses.domain.core.numbers import (
    INT32_MAX,
    NumberError,
    is_blank,
    parse_int,
    parse_number,
    to_int,
    to_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.05", 0.05),
        ("0,05", 0.05),
        (" 0,05 ", 0.05),
        ("16 000", 16000.0),
        ("16\u00a0000", 16000.0),
        ("16\u202f000", 16000.0),
        ("1 234 567,5", 1234567.5),
        ("-3.25", -3.25),
        ("\u22123,25", -3.25),
        ("+7", 7.0),
        ("1e-3", 0.001),
        ("2,5E2", 250.0),
        ("007", 7.0),
        (3, 3.0),
        (2.5, 2.5),
    ],
)
def test_accepted_numbers(raw, expected):
    assert parse_number(raw) == pytest.approx(expected, rel=0, abs=0)


@pytest.mark.parametrize(
    "raw",
    ["nan", "NaN", "inf", "-inf", "+Infinity", "INFINITY", "1e999", float("nan"), float("inf")],
)
def test_non_finite_is_refused(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw)
    assert "finite" in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        True,
        "1_000",
        "१२",
        "１２",
        "12 00",
        "16  000",
        "1.000,5",
        "1,000.5",
        "0x10",
        "abc",
        "5%",
        "1" * 5000,
        [1],
    ],
)
def test_junk_is_refused_with_a_message(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw)
    assert str(caught.value).startswith("Enter a")
    assert to_number(raw) is None


def test_percent_sign_only_where_a_percentage_is_asked():
    assert parse_number("3,5 %", percent=True) == 3.5
    assert parse_number("3,5\u00a0%", percent=True) == 3.5
    assert parse_number("12%", percent=True) == 12.0
    assert parse_number("12", percent=True) == 12.0
    with pytest.raises(NumberError):
        parse_number("3,5 %")
    with pytest.raises(NumberError):
        parse_number("%", percent=True)


def test_bounds_for_decimals():
    assert parse_number("0,5", minimum=0, maximum=1) == 0.5
    with pytest.raises(NumberError, match="at least 0"):
        parse_number("-1", minimum=0)
    with pytest.raises(NumberError, match="no greater than 1"):
        parse_number("1,5", maximum=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("16 000", 16000),
        ("16\u00a0000", 16000),
        ("16\u202f000", 16000),
        ("-12", -12),
        (12, 12),
        (12.0, 12),
        (str(INT32_MAX), INT32_MAX),
    ],
)
def test_accepted_integers(raw, expected):
    value = parse_int(raw)
    assert value == expected
    assert isinstance(value, int)


@pytest.mark.parametrize(
    "raw",
    ["", None, False, "7.5", "7,5", "1e3", "nan", "inf", "1_000", "१२", "１２", 7.5, float("nan")],
)
def test_not_whole_numbers_are_refused(raw):
    with pytest.raises(NumberError, match="Enter a whole number"):
        parse_int(raw)
    assert to_int(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "99999999999999999999",
        "2147483648",
        "9" * 5000,
        "-" + "9" * 5000,
        10**30,
        1e300,
        -(2**31) - 1,
    ],
)
def test_huge_integers_get_a_clear_message_never_an_exception(raw):
    with pytest.raises(NumberError) as caught:
        parse_int(raw)
    assert "whole number" in str(caught.value)
    assert len(str(caught.value)) < 100


def test_integer_bounds_are_checked_where_the_number_enters():
    assert parse_int("10", minimum=1, maximum=10) == 10
    with pytest.raises(NumberError, match="at least 1"):
        parse_int("0", minimum=1, maximum=10)
    with pytest.raises(NumberError, match="no greater than 10"):
        parse_int("11", minimum=1, maximum=10)
    assert to_int("11", minimum=1, maximum=10) is None


def test_blank():
    assert is_blank(None) and is_blank("") and is_blank(" \u00a0")
    assert not is_blank("0") and not is_blank(0)
