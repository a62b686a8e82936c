"""A bank with an approved blueprint (the demo's 认定要素细目表) and its three bank roles."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.catalog.models import Level
from skillcert.itembank import blueprints, services
from skillcert.itembank.demo import BLUEPRINT
from skillcert.itembank.enums import ItemStatus, ReviewDecision
from skillcert.itembank.models import Bank, Item
from tests.factories import build_world, user_with_role


@dataclass
class BankWorld:
    world: object
    bank: Bank
    manager: User
    writer: User
    reviewer: User


def blueprint_rows():
    return [blueprints.NodeRow(code, name, blueprints.MODULE_WORDS.get(kind, ""),
                               Decimal(weight) if weight is not None else None, imp, n)
            for n, (code, name, kind, weight, imp) in enumerate(BLUEPRINT, start=2)]


def make_bank(world, manager, level_number: int = 4) -> Bank:
    occ = world.occupation
    bank = services.bank_create(actor=manager, body=world.body, occupation=occ,
                                trade=occ.trades.get(name="碳排放核算员"), level=Level.objects.get(number=level_number))
    bp = blueprints.blueprint_create(actor=manager, bank_id=bank.pk, rows=blueprint_rows())
    blueprints.blueprint_approve(actor=manager, blueprint_id=bp.pk)
    return bank


SINGLE = {"type": "single", "element_code": "B.01.01", "difficulty": 3, "expected_seconds": 60}
SINGLE_CONTENT = {"stem": "化石燃料燃烧排放量等于燃料消耗量乘以（  ）。",
                  "options": ["排放因子", "碳氧化率", "发热量", "含碳量"], "answer": "A",
                  "explanation": "排放量 = 活动数据 × 排放因子。"}


def write_item(bw: BankWorld, meta=None, content=None, author=None) -> Item:
    return services.item_create(actor=author or bw.writer, bank_id=bw.bank.pk, meta={**SINGLE, **(meta or {})},
                                content={**SINGLE_CONTENT, **(content or {})})


def approve(bw: BankWorld, item: Item) -> Item:
    services.item_transition(actor=bw.writer, item_id=item.pk, target=ItemStatus.SUBMITTED)
    services.item_transition(actor=bw.reviewer, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    services.item_review(actor=bw.reviewer, item_id=item.pk, checklist=dict.fromkeys("abcd", True),
                         decision=ReviewDecision.APPROVE)
    item.refresh_from_db()
    return item


@pytest.fixture
def bw(db) -> BankWorld:
    return make_world()


def make_world() -> BankWorld:
    world = build_world()
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="bank_manager", full_name="张管理")
    writer = user_with_role(Role.ITEM_WRITER, world.body, username="item_writer", full_name="刘命题")
    reviewer = user_with_role(Role.ITEM_REVIEWER, world.body, username="item_reviewer", full_name="陈审题")
    return BankWorld(world, make_bank(world, manager), manager, writer, reviewer)
