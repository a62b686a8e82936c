"""Certificate numbers (§8.1.1, §8.4.1 c): 22 characters from the body's codes, the year, the level and a sequence
per body, year and level that has no gaps, is never reused and stays right when many are issued at once."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from skillcert.certificates import numbering, services
from skillcert.certificates.models import CertificateSequence
from skillcert.core.errors import ValidationError
from tests.conftest import need_postgres, parallel
from tests.factories import OrganisationFactory

PREFIX = "S208737000318"


def test_a_number_is_the_bodys_codes_the_year_the_level_and_the_sequence():
    assert numbering.compose(PREFIX, 2026, 4, 123) == "S20873700031826" + "4" + "000123"
    parts = numbering.parse("S208737000318264000123")
    assert (parts.body_type, parts.institution_code, parts.province_code, parts.institution_serial) == (
        "S", "2087", "37", "000318")
    assert (parts.year, parts.level, parts.sequence) == (26, 4, 123)
    assert str(parts) == "S208737000318264000123" and parts.prefix == PREFIX


@given(body=st.sampled_from("SY"), codes=st.text("0123456789", min_size=12, max_size=12),
       year=st.integers(2000, 2099), level=st.integers(1, 5), seq=st.integers(1, 999_999))
def test_compose_and_parse_round_trip(body, codes, year, level, seq):
    number = numbering.compose(body + codes, year, level, seq)
    assert len(number) == 22
    parts = numbering.parse(number)
    assert (parts.prefix, parts.year, parts.level, parts.sequence) == (body + codes, year % 100, level, seq)


@pytest.mark.parametrize(("number", "says"), [
    ("S20873700031826400012", "22 位"),
    ("X208737000318264000123", "第 1 位"),
    ("S2087370003182640001２3", "数字"),
    ("S20873700031826A000123", "数字"),
    ("S208737000318266000123", "第 16 位"),
    ("S208737000318260000123", "第 16 位"),
    ("S208737000318264000000", "000000"),
])
def test_malformed_numbers_are_refused_naming_the_part(number, says):
    with pytest.raises(ValueError, match=says):
        numbering.parse(number)


def test_compose_refuses_incomplete_codes_and_out_of_range_parts():
    for args in (("S2087", 2026, 4, 1), ("S20873700031٨", 2026, 4, 1), (PREFIX, 2026, 6, 1), (PREFIX, 2026, 4, 0),
                 (PREFIX, 2026, 4, 1_000_000)):
        with pytest.raises(ValueError):
            numbering.compose(*args)


@pytest.mark.django_db
def test_sequences_run_per_body_year_and_level_without_gaps():
    body, other = OrganisationFactory(), OrganisationFactory()
    with transaction.atomic():
        first = services.allocate_numbers(body=body, year=2026, level=4, count=3)
        senior = services.allocate_numbers(body=body, year=2026, level=3)
        later = services.allocate_numbers(body=body, year=2026, level=4, count=2)
        next_year = services.allocate_numbers(body=body, year=2027, level=4)
        elsewhere = services.allocate_numbers(body=other, year=2026, level=4)
    assert [numbering.parse(n).sequence for n in first + later] == [1, 2, 3, 4, 5]
    assert all(n.startswith(body.certificate_prefix + "264") for n in first + later)
    assert numbering.parse(senior[0]).sequence == 1 and numbering.parse(senior[0]).level == 3
    assert next_year[0] == body.certificate_prefix + "274000001"
    assert elsewhere[0] == other.certificate_prefix + "264000001"


@pytest.mark.django_db
def test_numbers_of_an_issue_that_fails_are_given_back():
    body = OrganisationFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.allocate_numbers(body=body, year=2026, level=4, count=10)
        raise RuntimeError("the PDF could not be written")
    with transaction.atomic():
        again = services.allocate_numbers(body=body, year=2026, level=4)
    assert numbering.parse(again[0]).sequence == 1  # no gap, nothing used twice


@pytest.mark.django_db
def test_numbers_are_never_typed_and_the_sequence_has_an_end():
    body, incomplete = OrganisationFactory(), OrganisationFactory(institution_code="")
    with transaction.atomic():
        with pytest.raises(ValidationError, match="证书编码不完整"):
            services.allocate_numbers(body=incomplete, year=2026, level=4)
        CertificateSequence.objects.create(body=body, year=2026, level=1, last=999_998)
        assert services.allocate_numbers(body=body, year=2026, level=1)[0].endswith("1999999")
        with pytest.raises(ValidationError, match="不足"):
            services.allocate_numbers(body=body, year=2026, level=1)


@pytest.mark.django_db(transaction=True)
def test_numbers_are_allocated_only_inside_the_issuing_transaction():
    with pytest.raises(RuntimeError):
        services.allocate_numbers(body=OrganisationFactory(), year=2026, level=4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_issues_get_distinct_consecutive_numbers():
    need_postgres()
    body = OrganisationFactory()
    got: list[str] = []

    def issue():
        with transaction.atomic():
            got.extend(services.allocate_numbers(body=body, year=2026, level=4, count=25))

    assert parallel(*[issue] * 8) == []
    assert len(got) == len(set(got)) == 200
    assert sorted(numbering.parse(n).sequence for n in got) == list(range(1, 201))
    assert CertificateSequence.objects.get(body=body, year=2026, level=4).last == 200
