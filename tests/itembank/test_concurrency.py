"""Two people acting on the bank at the same moment (PostgreSQL, real row locks)."""

from __future__ import annotations

import pytest

from skillcert.accounts.enums import Role
from skillcert.itembank import services
from skillcert.itembank.enums import ItemStatus
from skillcert.itembank.models import Item
from tests.conftest import need_postgres, parallel
from tests.factories import user_with_role

from .conftest import make_world, write_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_taking_the_same_item_one_wins():
    need_postgres()
    bw = make_world()
    other = user_with_role(Role.ITEM_REVIEWER, bw.world.body, username="reviewer2")
    item = write_item(bw)
    services.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.SUBMITTED)
    errors = parallel(
        lambda: services.item_transition(actor=bw.reviewer, item_id=item.pk, target=ItemStatus.IN_REVIEW),
        lambda: services.item_transition(actor=other, item_id=item.pk, target=ItemStatus.IN_REVIEW))
    assert len(errors) == 1 and "不能从" in str(errors[0])
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_REVIEW and item.reviewer in (bw.reviewer, other)


def test_parallel_writers_get_distinct_item_codes():
    need_postgres()
    bw = make_world()
    second = user_with_role(Role.ITEM_WRITER, bw.world.body, username="writer2")
    errors = parallel(*[lambda u=u: write_item(bw, author=u) for u in (bw.writer, second) * 3])
    assert errors == []
    codes = list(Item.objects.values_list("code", flat=True))
    assert len(codes) == 6 and len(set(codes)) == 6
