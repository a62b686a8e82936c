"""Practical assessment scoring (§6.4.1.4, A.3.4–A.3.8): a panel of at least three examiners, coded work
pieces whose owners stay sealed until consolidation, locked scoring sheets, the panel's rule, a flag on large
differences, voiding for continuing after the stop order, and unsealing with two witnesses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from skillcert.accounts.enums import Role
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.grading import practical, results
from skillcert.grading.models import PartState, PracticalRule, WorkPiece
from tests.factories import user_with_role

from .conftest import make_practical_day, sessions_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def prac():
    return make_practical_day()


def _panel(prac, **kw):
    officer, s, examiners, leader, _apps, _world = prac
    return practical.panel_form(actor=officer, session_id=s.practical.pk, room_id=s.prac_room.pk,
                                examiners=examiners, leader=leader, **kw)


def test_a_panel_needs_three_examiners_a_leader_and_the_released_paper(prac):
    officer, s, examiners, leader, _apps, _world = prac
    with pytest.raises(ValidationError, match="至少配备 3 名"):
        practical.panel_form(actor=officer, session_id=s.practical.pk, room_id=s.prac_room.pk,
                             examiners=examiners[:1], leader=leader)
    with pytest.raises(ValidationError, match="考评组长"):
        practical.panel_form(actor=officer, session_id=s.practical.pk, room_id=s.prac_room.pk,
                             examiners=examiners, leader=examiners[0])
    with pytest.raises(ValidationError, match="4 名"):
        _panel(prac, rule=PracticalRule.TRIMMED)
    with pytest.raises(ValidationError, match="实际操作考核场次"):
        practical.panel_form(actor=officer, session_id=s.theory.pk, room_id=s.computer.pk, examiners=examiners,
                             leader=leader)
    with pytest.raises(PermissionDenied):
        practical.panel_form(actor=leader, session_id=s.practical.pk, room_id=s.prac_room.pk,
                             examiners=examiners, leader=leader)
    panel = _panel(prac)
    assert panel.examiners.count() == 3 and panel.sealed_map  # the leader scores too
    with pytest.raises(ValidationError, match="已为这份试卷组建"):
        _panel(prac)


def test_codes_hide_the_candidates_until_two_witnesses_open_the_map(prac):
    officer, _s, examiners, leader, apps, world = prac
    panel = _panel(prac)
    handed_in, nothing = apps[:-1], apps[-1]  # the last candidate hands nothing in
    pieces = [practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=a) for a in handed_in]
    assert len({p.code for p in pieces}) == len(handed_in)
    assert all(p.application_id is None for p in WorkPiece.objects.filter(panel=panel))
    raw = bytes(type(panel).objects.get(pk=panel.pk).sealed_map)
    assert not any(p.code.encode() in raw for p in pieces)  # the map is ciphertext
    with pytest.raises(ValidationError, match="已收取"):
        practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    with pytest.raises(ValidationError, match="未评完"):
        practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[examiners[0], leader])
    criteria = practical.sheet_criteria(officer, panel)
    assert sum(Decimal(c["max"]) for c in criteria) == 100
    full = [c["max"] for c in criteria]
    for p in pieces:
        for who in (*examiners, leader):
            practical.sheet_submit(actor=who, panel_id=panel.pk, code=p.code, given=full)
    w1 = user_with_role(Role.EXAM_AFFAIRS, world.body, username="witness1")
    with pytest.raises(ValidationError, match="两名见证人"):
        practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[officer, w1])
    practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[w1, leader])
    with pytest.raises(PermissionDenied):
        practical.unseal_confirm(actor=examiners[0], panel_id=panel.pk)
    practical.unseal_confirm(actor=w1, panel_id=panel.pk)
    assert WorkPiece.objects.filter(panel=panel, application__isnull=True).count() == len(pieces)  # one isn't enough
    with pytest.raises(ValidationError, match="尚未结束") as exc:  # the practical (and the theory) not over yet
        results.results_compile(actor=officer, batch_id=panel.session.batch_id)
    assert "实际操作考核" in str(exc.value) and "理论知识考试" in str(exc.value)
    sessions_over(panel.session.batch)
    before = {r.application_id: r for r in results.results_compile(actor=officer, batch_id=panel.session.batch_id)}
    assert before[nothing].practical_state == PartState.PENDING
    practical.unseal_confirm(actor=leader, panel_id=panel.pk)
    got = dict(WorkPiece.objects.filter(panel=panel).values_list("code", "application_id"))
    assert got == {p.code: a for p, a in zip(pieces, handed_in, strict=True)}
    assert AuditEntry.objects.filter(action="grading.map.unsealed").count() == 1
    # Once the map is open every piece handed in is known: who has none did not sit the practical.
    after = {r.application_id: r for r in results.results_compile(actor=officer, batch_id=panel.session.batch_id)}
    assert after[nothing].practical_state == PartState.ABSENT
    assert {after[a].practical for a in handed_in} == {Decimal(100)}


def test_the_score_is_the_panels_rule_and_wide_disagreement_is_flagged(prac):
    officer, _s, examiners, leader, apps, _world = prac
    panel = _panel(prac, spread_limit=Decimal("10"))
    piece = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    criteria = practical.sheet_criteria(officer, panel)

    def sheet(who, total, deductions=None):
        # the total spread over the criteria in order, each up to its maximum
        given, left = ["0"] * len(criteria), Decimal(total)
        for i, c in enumerate(criteria):
            take = min(left, Decimal(c["max"]))
            given[i], left = str(take), left - take
        return practical.sheet_submit(actor=who, panel_id=panel.pk, code=piece.code, given=given,
                                      deductions=deductions)

    sheet(examiners[0], 80)
    with pytest.raises(ValidationError, match="不能修改"):
        sheet(examiners[0], 90)
    sheet(examiners[1], 70, deductions=[{"reason": "未按规定佩戴护目镜", "points": "5"}])  # 65
    piece.refresh_from_db()
    assert piece.final is None  # the leader has not scored yet
    sheet(leader, 52)
    piece.refresh_from_db()
    assert piece.final == Decimal("65.67") and piece.spread == Decimal("28") and piece.flagged
    other = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[1])
    with pytest.raises(ValidationError, match="0 到"):
        practical.sheet_submit(actor=examiners[0], panel_id=panel.pk, code=other.code,
                               given=["999"] + ["0"] * (len(criteria) - 1))
    with pytest.raises(ValidationError, match="原因"):
        practical.sheet_submit(actor=examiners[0], panel_id=panel.pk, code=other.code, given=["1"] * len(criteria),
                               deductions=[{"reason": "", "points": "3"}])
    with pytest.raises(ValidationError, match="每个评分项"):
        practical.sheet_submit(actor=examiners[0], panel_id=panel.pk, code=other.code, given=["1"])
    assert not other.sheets.exists()


def test_continuing_after_the_stop_order_voids_the_piece(prac):
    officer, _s, examiners, leader, apps, _world = prac
    panel = _panel(prac)
    piece = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    with pytest.raises(ValidationError, match="原因"):
        practical.piece_void(actor=leader, panel_id=panel.pk, code=piece.code, reason=" ")
    practical.piece_void(actor=leader, panel_id=panel.pk, code=piece.code, reason="无视停止口令继续操作（A.3.5）")
    piece.refresh_from_db()
    assert piece.voided and piece.final is None
    with pytest.raises(ValidationError, match="作废"):
        practical.sheet_submit(actor=examiners[0], panel_id=panel.pk, code=piece.code, given=[])
    assert AuditEntry.objects.filter(action="grading.piece.voided").exists()


def test_the_pages_form_a_panel_code_pieces_and_take_sheets(client, prac):
    from django.urls import reverse

    from skillcert.registration.models import Application
    from skillcert.scheduling.models import AdmissionTicket

    officer, s, examiners, leader, apps, world = prac
    client.force_login(officer)
    page = client.get(reverse("console:practical_list")).content.decode()
    assert s.prac_room.name in page and "组建考评小组" in page
    r = client.post(reverse("console:panel_create", args=[s.practical.pk, s.prac_room.pk]),
                    {"examiners": [u.pk for u in examiners], "leader": leader.pk, "rule": "mean",
                     "spread_limit": "10"})
    panel = practical.PracticalPanel.objects.get()
    assert r.status_code == 302 and r.url == reverse("console:panel_detail", args=[panel.pk])
    ticket = AdmissionTicket.objects.filter(application_id=apps[0]).first().number
    client.post(reverse("console:panel_detail", args=[panel.pk]), {"action": "collect", "ticket": ticket})
    piece = WorkPiece.objects.get()
    detail = client.get(reverse("console:panel_detail", args=[panel.pk])).content.decode()
    assert piece.code in detail and Application.objects.get(pk=apps[0]).full_name not in detail  # sealed
    client.force_login(examiners[0])
    sheet_page = client.get(reverse("console:practical_sheet", args=[panel.pk])).content.decode()
    assert piece.code in sheet_page and "核算边界与排放源识别" in sheet_page
    criteria = practical.sheet_criteria(examiners[0], panel)
    form = {"code": piece.code, **{f"given-{i}": c["max"] for i, c in enumerate(criteria)},
            "deduction_reason": ["工位未清理", ""], "deduction_points": ["2", ""]}
    assert client.post(reverse("console:practical_sheet", args=[panel.pk]), form).status_code == 302
    sheet = piece.sheets.get()
    assert sheet.total == 98 and sheet.deductions == [{"reason": "工位未清理", "points": "2"}]
    assert "没有待您评分的工件" in client.get(reverse("console:practical_sheet", args=[panel.pk])).content.decode()
    client.force_login(user_with_role(Role.EXAMINER, world.body, username="not_on_panel"))
    assert client.get(reverse("console:practical_sheet", args=[panel.pk])).status_code == 404


def test_key_rotation_reseals_papers_and_code_maps_before_retiring_old_keys(prac):
    """§10.9: retiring a key must not leave a sealed paper or a sealed code map that nothing can open."""
    import io

    from django.core.management import call_command

    from skillcert.core.crypto import keyring

    officer, _s, _examiners, _leader, apps, _world = prac
    panel = _panel(prac)
    piece = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    old = keyring().active_id
    call_command("rotate_item_key", "--retire", stdout=io.StringIO())
    ring = keyring()
    panel.refresh_from_db()
    assert ring.active_id != old and list(ring.keys) == [ring.active_id] and panel.map_key_id == ring.active_id
    assert practical._open_map(panel) == {piece.code: apps[0]}
    assert practical.sheet_criteria(officer, panel)  # the paper's sealed key still opens


def test_a_scoring_sheet_keeps_points_not_the_sealed_wording(prac):
    officer, _s, examiners, _leader, apps, _world = prac
    panel = _panel(prac)
    piece = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    criteria = practical.sheet_criteria(officer, panel)
    sheet = practical.sheet_submit(actor=examiners[0], panel_id=panel.pk, code=piece.code,
                                   given=[c["max"] for c in criteria])
    stored = str(sheet.scores)
    assert all(c["criterion"] not in stored and (not c["method"] or c["method"] not in stored) for c in criteria)
    assert [(r["task"], r["index"], r["max"]) for r in sheet.scores] == [(c["task"], c["index"], c["max"])
                                                                          for c in criteria]


def test_each_trade_is_scored_by_its_own_panel_on_its_own_paper(prac):
    """§6.4.2.1: a room holding two trades has one panel per trade's paper; a candidate's piece goes only to the
    panel of the paper they sit."""
    from skillcert.itembank import services as bank_services
    from skillcert.papers.models import Paper
    from skillcert.scheduling.models import SeatAssignment

    officer, s, _examiners, _leader, apps, world = prac
    other = SeatAssignment.objects.filter(session=s.practical).exclude(application_id__in=apps).first()
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="bank_manager2")
    monitor = bank_services.bank_create(actor=manager, body=world.body, occupation=world.occupation,
                                        trade=other.application.offer.trade, level=other.application.offer.level)
    second = Paper.objects.create(session=s.practical, bank=monitor, code="P-MONITOR", status="released",
                                  created_by=manager)
    with pytest.raises(ValidationError, match="请选择"):
        _panel(prac)
    first = Paper.objects.filter(session=s.practical).exclude(pk=second.pk).get()
    panel = _panel(prac, paper_id=first.pk)
    with pytest.raises(ValidationError, match="不考这份试卷"):
        practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=other.application_id)
    practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    assert _panel(prac, paper_id=second.pk).paper == second  # the other trade's panel in the same room


def test_the_room_record_takes_delays_completion_times_violations_and_checks(client, prac):
    """A.3.4 delays recorded with the time given back; A.3.6 completion times, safety and conduct, violations and
    the quality supervisor's checks — by workstation; the supervisor sees the record, never the scores."""
    from django.urls import reverse

    from skillcert.grading.models import PracticalEvent
    from skillcert.scheduling import staffing
    from skillcert.scheduling.enums import StaffRole

    officer, s, examiners, leader, apps, world = prac
    panel = _panel(prac)
    seat = s.prac_room.seats.order_by("number").first()
    with pytest.raises(ValidationError) as exc:
        practical.event_record(actor=examiners[0], panel_id=panel.pk, kind="delay", seat_id=seat.pk, minutes="0",
                               note="电源跳闸")
    assert "minutes" in exc.value.message_dict
    practical.event_record(actor=examiners[0], panel_id=panel.pk, kind="delay", seat_id=seat.pk, minutes="8",
                           note="工位电源跳闸，更换插座后恢复")
    with pytest.raises(ValidationError) as exc:
        practical.event_record(actor=leader, panel_id=panel.pk, kind="finished")
    assert "seat" in exc.value.message_dict
    practical.event_record(actor=leader, panel_id=panel.pk, kind="finished", seat_id=seat.pk)
    supervisor = user_with_role(Role.INTERNAL_SUPERVISOR, world.venue, username="qs", full_name="督导员")
    outsider = user_with_role(Role.PROCTOR, world.venue, username="other_proctor")
    with pytest.raises(PermissionDenied):
        practical.event_record(actor=supervisor, panel_id=panel.pk, kind="check", note="抽查评分")
    staffing.staff_assign(actor=officer, session_id=s.practical.pk, user=supervisor, role=StaffRole.SUPERVISOR,
                          venue=world.venue)
    practical.event_record(actor=supervisor, panel_id=panel.pk, kind="check", note="抽查考评员评分，独立评分无交流")
    with pytest.raises(PermissionDenied):
        practical.event_record(actor=outsider, panel_id=panel.pk, kind="violation", seat_id=seat.pk, note="x")
    assert [e.kind for e in PracticalEvent.objects.filter(panel=panel)] == ["delay", "finished", "check"]
    assert AuditEntry.objects.filter(action="grading.practical_event.recorded").count() == 3

    piece = practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=apps[0])
    client.force_login(supervisor)
    assert "实操考场记录" in client.get(reverse("console:practical_mine")).content.decode()
    page = client.get(reverse("console:panel_detail", args=[panel.pk])).content.decode()
    assert "工位电源跳闸" in page and "顺延 8 分钟" in page and piece.code not in page  # the record, not the pieces
    client.post(reverse("console:panel_detail", args=[panel.pk]),
                {"action": "record", "kind": "safety", "seat": seat.pk, "note": "未戴护目镜，已提醒"})
    assert PracticalEvent.objects.filter(panel=panel, kind="safety", recorded_by=supervisor).exists()
    client.force_login(examiners[0])
    assert piece.code in client.get(reverse("console:panel_detail", args=[panel.pk])).content.decode()
