"""Resident ID validation (GB 11643; §6.1.3 a), with property tests."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from skillcert.registration.idnumbers import PROVINCE_CODES, check_char, normalise, parse_resident_id

TODAY = dt.date(2026, 11, 20)


@st.composite
def resident_ids(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest = draw(st.integers(min_value=1, max_value=9999))
    birth = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=TODAY))
    seq = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province}{rest:04d}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def test_a_published_sample_number_is_valid():
    parsed = parse_resident_id("11010519491231002X", today=TODAY)  # the standard's own example
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == ("110105", dt.date(1949, 12, 31), "female")


@given(resident_ids())
def test_every_well_formed_number_parses(number):
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]


@given(resident_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(number, position, delta):
    wrong = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    with pytest.raises(ValidationError):
        parse_resident_id(wrong, today=TODAY)


@given(resident_ids(), st.integers(min_value=0, max_value=15))
def test_swapping_two_different_adjacent_digits_is_caught(number, i):
    if number[i] == number[i + 1]:
        return
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
    with pytest.raises(ValidationError):
        parse_resident_id(swapped, today=TODAY)


@pytest.mark.parametrize("value, code, message", [
    ("1101051949123100", "length", "应为18位，当前为16位"),
    ("11010519491231002Y", "shape", "最后一位为数字或X"),
    ("990105194912310025", "region", "不是有效的行政区划代码"),
    ("110105194902300021", "birth_date", "不存在"),
    ("110105203001010022", "birth_date", "不合理"),
    ("110105194912310021", "checksum", "校验位不正确"),
])
def test_each_kind_of_error_is_named(value, code, message):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(value, today=TODAY)
    assert exc.value.code == code
    assert message in exc.value.messages[0]


def test_spaces_and_a_lower_case_x_are_tolerated():
    assert normalise(" 110105 19491231 002x\u3000") == "11010519491231002X"
    assert parse_resident_id("11010519491231002x", today=TODAY).number == "11010519491231002X"
