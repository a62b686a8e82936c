"""A body with a scheduled computer-based theory session (碳排放核算员 中级) and a practical session, a bank
for that trade and level with 400 active theory items and 18 practical tasks (written through the import
path; the review → acceptance → release workflow is exercised in tests/itembank), a bank manager, an exam
affairs officer and two proctors."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.itembank import exchange
from skillcert.itembank.demo import generate, sample_statistics
from skillcert.itembank.enums import ItemStatus
from skillcert.itembank.models import Bank, Item
from skillcert.scheduling import services as scheduling
from skillcert.scheduling.models import ExamSession, Room
from tests.factories import build_registration, build_world, user_with_role
from tests.itembank.conftest import make_bank
from tests.scheduling.conftest import at, theory_room


@dataclass
class PaperWorld:
    world: object
    officer: User
    manager: User
    writer: User
    proctors: list[User]
    bank: Bank
    session: ExamSession
    practical: ExamSession
    room: Room
    room2: Room


def fill_bank(bank: Bank, writer: User, theory: int, practical: int, seed: int = 5) -> None:
    """``theory`` + ``practical`` items written through the item service, then made active with sampled
    statistics in one ``bulk_update`` — kept on purpose (#20): it is a speed shortcut for hundreds of items
    (taking each through review and approval would cost minutes per test), and the empirical difficulty and
    discrimination come only from real sittings, which no service can produce here. The item bank's own tests
    (tests/itembank) take items through review to active by the services."""
    rng = random.Random(seed)
    codes = exchange.write_items(actor=writer, bank_id=bank.pk, parsed=generate(rng, theory, practical),
                                 source="test")
    items = list(bank.items.filter(code__in=codes))
    for i in items:
        i.status = ItemStatus.ACTIVE
        sample_statistics(i, rng)
    _save_in_bulk(items, ["status", "empirical_difficulty", "discrimination"])


def _save_in_bulk(items: list[Item], names: list[str]) -> None:
    """What ``Item.objects.bulk_update(items, names)`` writes, as one executemany of plain UPDATEs: bulk_update
    builds a CASE WHEN per row and field, and resolving those took 60% of this fixture's time — the fixture
    behind most of the papers, delivery, grading and certificates tests (issue #21 item 9)."""
    from django.db import connection

    fields = [Item._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(Item._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "  # noqa: S608 - names from the model, values bound
           f"WHERE {quote(Item._meta.pk.column)} = %s")
    rows = [[f.get_db_prep_save(getattr(i, f.attname), connection) for f in fields] + [i.pk] for i in items]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def make_paper_world(theory: int = 400, practical: int = 18) -> PaperWorld:
    world = build_world()
    reg = build_registration(world)
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="bank_manager", full_name="张管理")
    writer = user_with_role(Role.ITEM_WRITER, world.body, username="item_writer", full_name="刘命题")
    proctors = [user_with_role(Role.PROCTOR, world.venue, username=f"proctor{i}", full_name=f"监考{i}")
                for i in (1, 2)]
    bank = make_bank(world, manager)
    fill_bank(bank, writer, theory, practical)
    room = theory_room(reg, "第1考场")
    room2 = theory_room(reg, "第2考场")
    prac_room = scheduling.room_save(actor=reg.officer, venue=world.venue, name="实操室", kind="practical",
                                     capacity=6, columns=3, workstations=[f"W{i}" for i in range(1, 7)])
    batch = scheduling.batch_create(actor=reg.officer, announcement=reg.announcement, name="2026年第一批")
    offers = [reg.offers[("碳排放核算员", 4)]]
    session = scheduling.session_add(actor=reg.officer, batch_id=batch.pk, kind="theory_computer",
                                     starts_at=at(10, 9), ends_at=at(10, 11), duration_minutes=90, offers=offers,
                                     rooms=[room, room2])
    practical_session = scheduling.session_add(actor=reg.officer, batch_id=batch.pk, kind="practical",
                                               starts_at=at(10, 14), ends_at=at(10, 17), duration_minutes=120,
                                               offers=offers, rooms=[prac_room])
    return PaperWorld(world, reg.officer, manager, writer, proctors, bank, session, practical_session, room, room2)


@pytest.fixture
def pw(db) -> PaperWorld:
    return make_paper_world()


@pytest.fixture
def bank_minimum():
    """Keep the §7.1.3.2 bank minimum enforced (tests/conftest.py waives it for tests on small banks)."""
    from skillcert.papers import bankcheck

    assert bankcheck.ENFORCED
