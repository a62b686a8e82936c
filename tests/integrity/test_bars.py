"""Integrity bars (§6.8.2): a barred person cannot apply while the bar lasts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from skillcert.accounts.enums import Role
from skillcert.core.models import AuditEntry
from skillcert.integrity.services import active_bar, bar_record, refuse_if_barred
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
ID = ("resident_id", "11010519491231002X")
D = dt.date


@pytest.fixture
def officer(world):
    return user_with_role(Role.EXAM_AFFAIRS, world.body)


def _bar(officer, world, **kw):
    args = {"actor": officer, "body": world.body, "id_type": ID[0], "id_number": ID[1].lower(), "full_name": "李四",
            "reason": "cheating", "details": "2026年5月理论考试携带手机", "starts_on": D(2026, 6, 1),
            "ends_on": D(2029, 5, 31)}
    return bar_record(**(args | kw))


def test_bar_applies_within_its_period_only(officer, world):
    _bar(officer, world)
    assert active_bar(id_type=ID[0], id_number=ID[1], on=D(2027, 1, 1)) is not None
    assert active_bar(id_type=ID[0], id_number=ID[1], on=D(2026, 5, 31)) is None
    assert active_bar(id_type=ID[0], id_number=ID[1], on=D(2029, 6, 1)) is None


def test_refusal_message_names_reason_and_end(officer, world):
    _bar(officer, world)
    with pytest.raises(ValidationError) as exc:
        refuse_if_barred(id_type=ID[0], id_number=ID[1], on=D(2027, 1, 1))
    assert exc.value.messages == ["根据诚信档案（考试舞弊），您在 2029-05-31 之前不能报名。"]
    refuse_if_barred(id_type=ID[0], id_number=ID[1], on=D(2030, 1, 1))  # no error after the bar


def test_open_ended_bar_and_lifting(officer, world):
    bar = _bar(officer, world, ends_on=None)
    assert active_bar(id_type=ID[0], id_number=ID[1], on=D(2040, 1, 1)) == bar
    bar.lifted_at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    bar.save()
    assert active_bar(id_type=ID[0], id_number=ID[1], on=D(2040, 1, 1)) is None


def test_recording_is_audited_and_scoped(officer, world):
    bar = _bar(officer, world)
    entry = AuditEntry.objects.get(action="integrity.bar.recorded")
    assert (entry.target_id, entry.org_id, entry.data["reason"]) == (str(bar.pk), world.body.pk, "cheating")
    with pytest.raises(PermissionDenied):
        _bar(user_with_role(Role.EXAM_AFFAIRS, world.other_body), world)


@pytest.mark.parametrize("kw, field", [({"details": " "}, "details"), ({"reason": "x"}, "reason"),
                                       ({"ends_on": D(2026, 1, 1)}, "ends_on")])
def test_bad_input_names_the_field(officer, world, kw, field):
    with pytest.raises(ValidationError) as exc:
        _bar(officer, world, **kw)
    assert field in exc.value.message_dict
