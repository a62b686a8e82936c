"""The custody ledger (§6.3.2.2–6.3.2.3, A.2.1, A.2.11–A.2.12, §10.1, §10.4–§10.5): events confirmed by
the people they name, count mismatches raise discrepancies that stay open until resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from skillcert.papers import selectors, services
from skillcert.papers.enums import CustodyKind, DiscrepancyStatus, PaperStatus
from skillcert.papers.models import Discrepancy
from tests.factories import paper_reviewer
from tests.papers.test_papers import assembled


def sealed(pw):
    paper = assembled(pw)
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    services.paper_lock(actor=pw.manager, paper_id=paper.pk)
    return services.paper_seal(actor=pw.manager, paper_id=paper.pk)


def record(pw, paper, kind, actor=None, **data):
    return services.custody_record(actor=actor or pw.officer, paper_id=paper.pk, kind=kind, data=data)


def printed_and_packed(pw, paper):
    record(pw, paper, CustodyKind.PRINT, place="保密印刷室", count=32, spoiled=2, spoiled_destroyed=True,
           operator=pw.officer)
    record(pw, paper, CustodyKind.PACK, room=pw.room, bag_no="B-01", seal_no="S-0001", count=16, operator=pw.officer)
    record(pw, paper, CustodyKind.PACK, room=pw.room2, bag_no="B-02", seal_no="S-0002", count=14, operator=pw.officer)


@pytest.mark.django_db
def test_whole_chain_with_matching_counts_opens_no_discrepancy(pw):
    paper = sealed(pw)
    printed_and_packed(pw, paper)
    now = timezone.now()
    record(pw, paper, CustodyKind.TRANSPORT, occurred_at=now, ended_at=now + dt.timedelta(hours=1), count=30,
           escorts=[pw.officer, pw.manager])
    record(pw, paper, CustodyKind.HANDOVER, from_user=pw.officer, to_user=pw.proctors[0], count=30)
    record(pw, paper, CustodyKind.STORE, place="考点保密室", count=30, operator=pw.officer)
    record(pw, paper, CustodyKind.OPEN, room=pw.room, count=16, witnesses=pw.proctors)
    record(pw, paper, CustodyKind.COLLECT, room=pw.room, count=16, witnesses=pw.proctors)
    record(pw, paper, CustodyKind.BIND, count=30, seal_no="S-0100", operator=pw.officer)
    record(pw, paper, CustodyKind.RETURN, from_user=pw.proctors[0], to_user=pw.officer, count=30)
    assert not Discrepancy.objects.exists()
    kinds = [e.kind for e in selectors.timeline(paper)]
    assert kinds[0] == CustodyKind.PRINT and kinds[-1] == CustodyKind.RETURN and len(kinds) == 10


@pytest.mark.django_db
def test_collection_count_mismatch_raises_a_discrepancy_until_resolved(pw):
    """A.2.12 考后清点: what comes back must match what was opened in the room."""
    paper = sealed(pw)
    printed_and_packed(pw, paper)
    record(pw, paper, CustodyKind.OPEN, room=pw.room, count=16, witnesses=pw.proctors)
    event = record(pw, paper, CustodyKind.COLLECT, room=pw.room, count=15, witnesses=pw.proctors)
    d = Discrepancy.objects.get(event=event)
    assert (d.expected, d.actual, d.status) == (16, 15, DiscrepancyStatus.OPEN)
    assert list(selectors.open_discrepancies(paper)) == [d]
    with pytest.raises(ValidationError):
        services.discrepancy_resolve(actor=pw.officer, discrepancy_id=d.pk, resolution=" ")
    services.discrepancy_resolve(actor=pw.officer, discrepancy_id=d.pk, resolution="第15号座位考生误带出，已追回。")
    assert not selectors.open_discrepancies(paper).exists()


@pytest.mark.django_db
def test_paper_level_count_checked_against_packs_and_print(pw):
    paper = sealed(pw)
    record(pw, paper, CustodyKind.PRINT, place="保密印刷室", count=32, spoiled=2, spoiled_destroyed=True,
           operator=pw.officer)
    e = record(pw, paper, CustodyKind.STORE, place="保密室", count=29, operator=pw.officer)
    assert Discrepancy.objects.get(event=e).expected == 30  # printed less spoiled, before packing
    printed_and_packed(pw, paper)  # packs of 16 + 14 (a second print run adds 30 more copies)
    e2 = record(pw, paper, CustodyKind.BIND, count=31, seal_no="S", operator=pw.officer)
    assert Discrepancy.objects.get(event=e2).expected == 30


@pytest.mark.django_db
def test_events_refuse_what_the_procedure_forbids(pw):
    paper = sealed(pw)
    with pytest.raises(ValidationError) as err:
        record(pw, paper, CustodyKind.PACK, room=pw.room, count=16, operator=pw.officer, bag_no="B", seal_no="S")
    assert "kind" in err.value.message_dict  # printing comes first
    with pytest.raises(ValidationError) as err:
        record(pw, paper, CustodyKind.PRINT, place="印刷室", count=10, spoiled=1, operator=pw.officer)
    assert "spoiled_destroyed" in err.value.message_dict
    record(pw, paper, CustodyKind.PRINT, place="印刷室", count=10, spoiled=0, operator=pw.officer)
    now = timezone.now()
    with pytest.raises(ValidationError) as err:
        record(pw, paper, CustodyKind.TRANSPORT, occurred_at=now, ended_at=now + dt.timedelta(hours=1), count=10,
               escorts=[pw.officer])
    assert "escorts" in err.value.message_dict  # two people (§10.4)
    with pytest.raises(ValidationError) as err:
        record(pw, paper, CustodyKind.OPEN, room=pw.room, count=10, witnesses=pw.proctors)
    assert "room" in err.value.message_dict  # nothing was packed for that room
    with pytest.raises(ValidationError) as err:
        record(pw, paper, CustodyKind.HANDOVER, from_user=pw.officer, to_user=pw.officer, count=10)
    assert "to_user" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        record(pw, paper, CustodyKind.STORE, actor=pw.proctors[0], place="x", count=10, operator=pw.officer)


@pytest.mark.django_db
def test_each_named_person_confirms_in_their_own_account(pw):
    paper = sealed(pw)
    record(pw, paper, CustodyKind.PRINT, place="印刷室", count=10, spoiled=0, operator=pw.officer)
    event = record(pw, paper, CustodyKind.HANDOVER, from_user=pw.officer, to_user=pw.proctors[0], count=10)
    giver, taker = event.parties.get(role="from_user"), event.parties.get(role="to_user")
    assert giver.confirmed_at is not None and taker.confirmed_at is None  # the recorder confirmed their part
    assert list(selectors.my_confirmations(pw.proctors[0])) == [taker]
    with pytest.raises(PermissionDenied):
        services.custody_confirm(actor=pw.officer, party_id=taker.pk)
    services.custody_confirm(actor=pw.proctors[0], party_id=taker.pk)
    assert not selectors.my_confirmations(pw.proctors[0]).exists()


@pytest.mark.django_db
def test_archive_waits_for_open_discrepancies(pw):
    paper = sealed(pw)
    printed_and_packed(pw, paper)
    record(pw, paper, CustodyKind.OPEN, room=pw.room, count=16, witnesses=pw.proctors)
    event = record(pw, paper, CustodyKind.COLLECT, room=pw.room, count=17, witnesses=pw.proctors)
    services.paper_release(actor=pw.officer, paper_id=paper.pk, now=pw.session.starts_at)
    from skillcert.scheduling.models import ExamSession

    # Time passes (there is no clock service): the session is over, so the officer marks the paper used.
    now = timezone.now()
    ExamSession.objects.filter(pk=pw.session.pk).update(starts_at=now - dt.timedelta(hours=3),
                                                         ends_at=now - dt.timedelta(minutes=1))
    services.paper_transition(actor=pw.officer, paper_id=paper.pk, target=PaperStatus.USED)
    with pytest.raises(ValidationError):
        services.paper_transition(actor=pw.officer, paper_id=paper.pk, target=PaperStatus.ARCHIVED)
    services.discrepancy_resolve(actor=pw.officer, discrepancy_id=event.discrepancy.pk, resolution="复点为16份，误记。")
    services.paper_transition(actor=pw.officer, paper_id=paper.pk, target=PaperStatus.ARCHIVED)


@pytest.mark.django_db
def test_print_outputs_embed_the_font_and_carry_the_watermark(pw):
    """§10.3: the paper per form with copy numbers, answer sheet, key (sealed apart), practical sheets and
    the 试卷交接单, all with the CJK font embedded."""
    from skillcert.papers import documents
    from skillcert.papers.enums import DocKind
    from tests.factories import pdf_embeds_font, pdf_text

    paper = sealed(pw)
    form = services.open_document(actor=pw.manager, paper=paper, kind=DocKind.PAPER, form_number=2, purpose="print")
    data = documents.paper_pdf(paper, form, copies=3, by="张管理")
    text = pdf_text(data)
    assert pdf_embeds_font(data)
    assert "B卷（备用卷）" in text and "第 3 份 / 共 3 份" in text and pw.session.batch.name in text
    assert form["items"][0]["stem"][:10] in text
    sheet = pdf_text(documents.answer_sheet_pdf(paper, form))
    assert "答题卡" in sheet and "[A]" in sheet
    key = services.open_document(actor=pw.manager, paper=paper, kind=DocKind.KEY, form_number=0, purpose="print")
    assert "参考答案及评分标准" in pdf_text(documents.key_pdf(paper, key))
    record(pw, paper, CustodyKind.PRINT, place="印刷室", count=10, spoiled=0, operator=pw.officer)
    event = record(pw, paper, CustodyKind.HANDOVER, from_user=pw.officer, to_user=pw.proctors[0], count=10)
    handover = pdf_text(documents.handover_pdf(event))
    assert "试卷交接单" in handover and "未确认" in handover and "监考1" in handover


@pytest.mark.django_db
def test_practical_task_and_scoring_sheets(pw):
    from skillcert.itembank.selectors import current_blueprint
    from skillcert.papers import documents, plans
    from skillcert.papers.enums import DocKind
    from tests.factories import pdf_text

    paper = services.paper_assemble(actor=pw.manager, session_id=pw.practical.pk, bank_id=pw.bank.pk,
                                    plan=plans.default_plan(current_blueprint(pw.bank), "practical"))
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    services.paper_lock(actor=pw.manager, paper_id=paper.pk)
    services.paper_seal(actor=pw.manager, paper_id=paper.pk)
    form = services.open_document(actor=pw.manager, paper=paper, kind=DocKind.PAPER, form_number=1, purpose="print")
    assert "任务书" in pdf_text(documents.practical_pdf(paper, form, examiner=False))
    examiner = pdf_text(documents.practical_pdf(paper, form, examiner=True))
    assert "评分记录表" in examiner and "配分" in examiner
