import datetime as dt

import pytest
from django.utils import timezone

from skillcert.registration.applications import application_bulk_approve
from skillcert.registration.imports import import_applications
from skillcert.scheduling import services
from tests.factories import build_registration
from tests.registration.test_import import row, xlsx


def approve_imported(reg, n: int, *, start: int = 1, trades=("碳排放监测员", "碳排放核算员")):
    """n approved applications, alternating trades at 中级, through the real import and bulk approval."""
    rows = [row(start + i, **{"报考工种*": trades[i % len(trades)]}) for i in range(n)]
    result = import_applications(actor=reg.officer, announcement_id=reg.announcement.pk, data=xlsx(rows),
                                 file_name="list.xlsx")
    assert result.ok, result.errors[:3]
    ids = list(result.batch.applications.values_list("pk", flat=True))
    application_bulk_approve(actor=reg.officer, announcement_id=reg.announcement.pk, application_ids=ids)
    return ids


def theory_room(reg, name="第1考场", capacity=30, **kw):
    args = dict(name=name, kind="computer", capacity=capacity, columns=6, single_desks=True, spacing_cm=90)
    return services.room_save(actor=reg.officer, venue=reg.world.venue, **(args | kw))


def at(days: int, hour: int) -> dt.datetime:
    base = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=days)
    return base.replace(hour=hour)


@pytest.fixture
def reg(world):
    return build_registration(world)
