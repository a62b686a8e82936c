"""Scoring a computer-based sitting (§6.3.3 阅卷), item analysis fed back to the bank (§6.3.2.2, §7.3.1) and
similarity screening (表B.1): services over a real exam day."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.delivery import services as delivery
from skillcert.grading import services as grading
from skillcert.grading.models import AttemptScore, ItemAnalysis
from skillcert.grading.scoring import MultipleRule
from skillcert.itembank.models import Item, ItemProblem
from skillcert.papers import services as papers
from tests.delivery.conftest import login, make_exam_day, started

pytestmark = pytest.mark.django_db


def _key(day) -> dict[int, dict]:
    day.paper.refresh_from_db()
    key = papers.open_key_for_grading(actor=day.officer, paper=day.paper)
    return {it["position"]: it for it in key["forms"][0]["items"]}


def _sit(day, answer_sheets: list[dict[int, object]]) -> list[int]:
    """Each candidate logs in, opens the paper, saves the given answers and submits; returns attempt ids."""
    day.sitting.refresh_from_db()
    ids = []
    for a, sheet in zip(day.attempts, answer_sheets, strict=True):
        aid = delivery.attempt_for_token(login(a, day.sitting.code))
        delivery.attempt_paper(attempt_id=aid)
        saves = [{"seq": i + 1, "position": pos, "value": v} for i, (pos, v) in enumerate(sheet.items())]
        if saves:
            delivery.answers_save(attempt_id=aid, saves=saves)
        delivery.attempt_submit(attempt_id=aid)
        ids.append(aid)
    return ids


def _right(it: dict):
    if it["type"] == "multiple":
        return list(it["answer"])
    return it["answer"] if it["type"] != "fill" else it["answer"].split("|")[-1]


@pytest.fixture
def sat():
    day = make_exam_day(n=4)
    started(day)
    key = _key(day)
    auto = {pos: it for pos, it in key.items() if it["type"] in ("single", "multiple", "judge", "fill")}
    multi = next(pos for pos, it in key.items() if it["type"] == "multiple")
    sheets = [
        {pos: _right(it) for pos, it in key.items()},  # everything right
        {},  # nothing answered
        {multi: list(key[multi]["answer"])[:1]},  # one correct option of a multiple-choice item
        {pos: ("F" if it["answer"] == "T" else "T") if it["type"] == "judge" else _right(it)
         for pos, it in auto.items()},  # every judgement item wrong
    ]
    ids = _sit(day, sheets)
    return SimpleNamespace(day=day, key=key, auto=auto, multi=multi, ids=ids)


def test_objective_items_are_scored_from_the_last_saved_answers(sat):
    day, key, auto, ids = sat.day, sat.key, sat.auto, sat.ids
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    scores = {s.attempt_id: s for s in AttemptScore.objects.filter(run=run)}
    full = sum(Decimal(it["points"]) for it in auto.values())
    judges = sum(Decimal(it["points"]) for it in auto.values() if it["type"] == "judge")
    assert scores[ids[0]].objective == full
    assert scores[ids[1]].objective == 0
    assert scores[ids[2]].objective == 0  # all-or-nothing
    assert scores[ids[3]].objective == full - judges
    subjective = [pos for pos, it in key.items() if pos not in auto]
    assert scores[ids[0]].to_mark == len(subjective)
    assert all(scores[ids[0]].items[str(pos)] is None for pos in subjective)
    assert run.attempts == 4 and run.multiple_rule == MultipleRule.ALL_OR_NOTHING and len(run.key_digest) == 64
    assert AuditEntry.objects.filter(action="grading.objective.scored").count() == 1
    assert AuditEntry.objects.filter(action="papers.document.opened", data__purpose="grading").exists()


def test_a_new_run_with_partial_credit_supersedes_the_old_one(sat):
    day, key, multi, ids = sat.day, sat.key, sat.multi, sat.ids
    first = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    second = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk,
                                   multiple_rule=MultipleRule.HALF)
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    half = (Decimal(key[multi]["points"]) / 2).quantize(Decimal("0.01"))
    assert AttemptScore.objects.get(run=second, attempt_id=ids[2]).objective == half
    assert AttemptScore.objects.get(run=first, attempt_id=ids[2]).objective == 0  # kept as it was


def test_scoring_waits_for_the_end_and_belongs_to_the_office():
    day = make_exam_day(n=2)
    started(day)
    with pytest.raises(PermissionDenied):
        grading.score_session(actor=day.proctors[0], session_id=day.session.pk, paper_id=day.paper.pk)
    with pytest.raises(ValidationError, match="2 名考生未交卷"):
        grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    with pytest.raises(ValidationError, match="计分规则"):
        grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk,
                              multiple_rule="most")


def test_item_analysis_is_stored_written_back_and_flags_reach_the_bank(sat):
    day, key, auto = sat.day, sat.key, sat.auto
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    run = grading.analyse_run(actor=day.officer, run_id=run.pk)
    stats = {a.position: a for a in ItemAnalysis.objects.filter(run=run)}
    assert set(stats) == set(auto)
    judge = next(pos for pos, it in auto.items() if it["type"] == "judge")
    assert stats[judge].p == pytest.approx(0.25)  # only the first candidate was right
    single = next(pos for pos, it in auto.items() if it["type"] == "single")
    assert stats[single].p == pytest.approx(0.5)
    assert {o["code"] for o in stats[single].options} == {key[single]["answer"], ""}
    assert all("correct" not in o for a in stats.values() for o in a.options)  # the key stays sealed
    item = Item.objects.get(pk=stats[judge].item_id)
    assert item.empirical_difficulty == pytest.approx(0.25)
    assert run.test_stats["1"]["n"] == 4 and run.analysed_at is not None
    flagged = [a for a in stats.values() if a.flags]
    assert flagged and ItemProblem.objects.filter(item_id__in=[a.item_id for a in flagged]).count() == len(flagged)
    assert AuditEntry.objects.filter(action="itembank.item.statistics").exists()


def test_similarity_screening_compares_every_pair_and_keeps_the_evidence(sat):
    day = sat.day
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    screening = grading.screen_similarity(actor=day.officer, run_id=run.pk, alpha=0.05)
    assert screening.pairs_tested == 6 and screening.flagged == []
    with pytest.raises(ValidationError):
        grading.screen_similarity(actor=day.officer, run_id=run.pk, alpha=0.5)
    with pytest.raises(PermissionDenied):
        grading.screen_similarity(actor=day.chief, run_id=run.pk)
    assert AuditEntry.objects.filter(action="grading.similarity.screened").count() == 1


def test_the_key_opens_for_grading_only_after_release_and_only_for_the_office():
    day = make_exam_day(n=1)
    with pytest.raises(ValidationError, match="尚未启封"):
        papers.open_key_for_grading(actor=day.officer, paper=day.paper)
    started(day)
    day.paper.refresh_from_db()
    with pytest.raises(PermissionDenied):
        papers.open_key_for_grading(actor=day.proctors[0], paper=day.paper)
    assert papers.open_key_for_grading(actor=day.officer, paper=day.paper)["forms"]


def test_the_run_page_marks_the_key_by_opening_it(client, sat):
    from django.urls import reverse

    day, key, auto = sat.day, sat.key, sat.auto
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    grading.analyse_run(actor=day.officer, run_id=run.pk)
    client.force_login(day.officer)
    before = AuditEntry.objects.filter(action="papers.document.opened").count()
    page = client.get(reverse("console:grading_run", args=[run.pk])).content.decode()
    single = next(pos for pos, it in auto.items() if it["type"] == "single")
    assert f'<span class="strong">{key[single]["answer"]} ' in page
    assert AuditEntry.objects.filter(action="papers.document.opened").count() == before + 1
