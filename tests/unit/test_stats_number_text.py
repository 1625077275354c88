"""stats.number_text: the decimals a verdict's numbers need, whatever writes them."""

from __future__ import annotations

from stats import number_text as nt


def comma_writer(text: str, grouping: bool = False) -> str:
    """A stand-in for a locale: a decimal comma and a narrow space between thousands."""
    return nt.as_is(text, grouping).replace(",", "\u202f").replace(".", ",")


def test_as_is_groups_thousands_only_when_asked():
    assert nt.as_is("1234567.50") == "1234567.50"
    assert nt.as_is("1234567.50", True) == "1,234,567.50"
    assert nt.as_is("12", True) == "12"


def test_rates_read_apart_when_they_differ_and_alike_when_equal():
    assert nt.two_rates(0.1234, 0.1236, "%") == ("12.3%", "12.4%")
    assert nt.two_rates(0.12341, 0.12344, "%") == ("12.341%", "12.344%")
    assert nt.two_rates(0.5, 0.5, "%") == ("50.0%", "50.0%")
    assert nt.rate(0.0, "%") == "0%"
    assert nt.rate(0.000001234, "%") == "0.00012%"  # two significant digits, no exponent


def test_values_get_enough_decimals_and_a_real_minus_sign():
    assert nt.two_values(81.21, 81.34) == ("81.2", "81.3")
    assert nt.two_values(81.251, 81.254) == ("81.251", "81.254")
    assert nt.two_values(1234.5, 1300.0) == ("1,234", "1,300")
    assert nt.number(-0.004, 2) == "0.00"  # rounds to zero: no sign
    assert nt.number(-2.5, 1) == "\u22122.5"


def test_a_lift_and_its_interval_share_a_precision_and_carry_signs():
    assert nt.signed_group([0.123, -0.05, 0.31], "%") == ["+0.12%", "\u22120.05%", "+0.31%"]
    assert nt.signed_group([12.0, 12.04, 12.4], " pp") == ["+12.00 pp", "+12.04 pp", "+12.40 pp"]


def test_a_p_value_is_never_rounded_across_alpha():
    assert nt.p_text(0.0496, 0.05) == "= 0.0496"  # "0.05" would read as not below alpha
    assert nt.p_text(0.0512, 0.05) == "= 0.051"
    assert nt.p_text(0.0004, 0.05) == "< 0.001"
    assert nt.p_text(0.9999, 0.05) == "> 0.99"


def test_every_number_goes_through_the_writer():
    assert nt.two_values(1234.5, 1300.25, comma_writer) == ("1\u202f234", "1\u202f300")
    assert nt.two_values(2.1251, 2.1254, comma_writer) == ("2,1251", "2,1254")
    assert nt.p_text(0.0123, 0.05, comma_writer) == "= 0,012"
    assert nt.two_rates(0.031, 0.045, "\u00a0%", comma_writer) == ("3,1\u00a0%", "4,5\u00a0%")
