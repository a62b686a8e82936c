"""Demo papers (``seed_demo --stage papers``): for the demo batch, the computer-based theory paper of the
中级 bank assembled from the plan the blueprint proposes, reviewed, locked and sealed, with its printing,
packing per room and storage in the confidential room recorded; the practical paper assembled and
waiting for review — so a bank manager can review, swap and lock it, and exam affairs can go on with
the custody ledger."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from skillcert.accounts.models import User
from skillcert.itembank.models import Bank
from skillcert.itembank.selectors import current_blueprint
from skillcert.scheduling.models import Batch, SeatAssignment

from . import plans, selectors, services
from .enums import CustodyKind
from .models import Paper


@transaction.atomic
def seed_papers(batch: Batch, bank: Bank) -> list[Paper]:
    existing = list(Paper.objects.filter(bank=bank, session__batch=batch))
    if existing:
        return existing
    manager = User.objects.get(username="demo_bank_manager")
    reviewer = User.objects.get(username="demo_bank_manager2")  # not the assembler (§6.3.2.3)
    officer = User.objects.get(username="demo_exam_affairs")
    keeper = User.objects.get(username="demo_body_admin")
    sessions = list(selectors.sessions_for_assembly(bank).filter(batch=batch))
    blueprint = current_blueprint(bank)
    made = []
    for session in sessions:
        part = plans.part_for_session(session.kind)
        plan = plans.default_plan(blueprint, part) | {"seed": 2026}
        made.append(services.paper_assemble(actor=manager, session_id=session.pk, bank_id=bank.pk, plan=plan))
    theory = next((p for p in made if p.session.kind != "practical"), None)
    if theory is None:
        return made
    services.paper_review(actor=reviewer, paper_id=theory.pk)
    services.paper_lock(actor=manager, paper_id=theory.pk)
    services.paper_seal(actor=manager, paper_id=theory.pk)
    rooms = list(theory.session.rooms.order_by("pk"))
    seated = {room.pk: SeatAssignment.objects.filter(session=theory.session, seat__room=room).count()
              for room in rooms}
    packs = {room.pk: n + 2 for room, n in ((r, seated[r.pk]) for r in rooms) if n}  # two spares a room
    start = timezone.now() - timedelta(hours=3)
    services.custody_record(actor=officer, paper_id=theory.pk, kind=CustodyKind.PRINT, data={
        "occurred_at": start, "place": "综合楼105保密印刷室", "count": sum(packs.values()) + 3, "spoiled": 3,
        "spoiled_destroyed": True, "operator": officer, "note": "双人在场印制，废品当场碎纸销毁"})
    for n, room in enumerate(r for r in rooms if r.pk in packs):
        services.custody_record(actor=officer, paper_id=theory.pk, kind=CustodyKind.PACK, data={
            "occurred_at": start + timedelta(minutes=30 + n), "room": room, "count": packs[room.pk],
            "bag_no": f"2026-{n + 1:02d}", "seal_no": f"QD{202600 + n + 1}", "operator": officer})
    services.custody_record(actor=officer, paper_id=theory.pk, kind=CustodyKind.STORE, data={
        "occurred_at": start + timedelta(hours=1), "place": "综合楼105保密室（双人双锁）", "count": sum(packs.values()),
        "operator": keeper, "note": "入保密室，24小时监控"})
    return list(Paper.objects.filter(pk__in=[p.pk for p in made]).order_by("pk"))
