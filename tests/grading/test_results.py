"""Results (§6.5): parts compiled from the scores, the pass rule as data, the chief's confirmation that locks
them, decisions beside scores (表B.2), and changes after confirmation only with a second person's approval."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from skillcert.accounts.enums import Role
from skillcert.catalog.models import Level
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.grading import results, services
from skillcert.grading.models import Part, PartState, PassRule, Result, ResultStatus, ScriptStatus
from tests.factories import user_with_role

from .conftest import marked_sitting, sat_with_short_answers

pytestmark = pytest.mark.django_db
S, P, N = PartState.SCORED, PartState.PENDING, PartState.NOT_REQUIRED


def _parts(theory, practical, review=(None, N)):
    return {Part.THEORY: theory, Part.PRACTICAL: practical, Part.REVIEW: review}


def test_the_pass_rule_is_data_with_the_standards_defaults(world):
    middle, technician = Level.objects.get(number=4), Level.objects.get(number=2)
    sixty, fifty_nine = Decimal(60), Decimal("59.5")
    assert results.verdict(middle, _parts((sixty, S), (sixty, S))) is True
    assert results.verdict(middle, _parts((sixty, S), (fifty_nine, S))) is False
    assert results.verdict(middle, _parts((sixty, S), (None, P))) is None
    assert results.verdict(middle, _parts((sixty, S), (None, PartState.ABSENT))) is False
    assert results.verdict(middle, _parts((Decimal(0), PartState.ZERO), (sixty, S))) is False
    # 技师 also needs the comprehensive review (§6.5.1): by default defence and performance each ≥ 60
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), (None, P))) is None
    assert results.verdict(technician, _parts((fifty_nine, S), (sixty, S), (None, P))) is False  # no review needed
    review = (Decimal(80), S)
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), review), Decimal(100), fifty_nine) is False
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), review), sixty, sixty) is True
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), (None, PartState.VOID)), sixty, sixty) is False
    # … or, as the level's rule says, the weighted review score ≥ the minimum
    rule = PassRule.objects.create(level=technician, review_mode="weighted", defence_weight=40)
    assert rule.review_score(Decimal(100), fifty_nine) == Decimal("75.70")
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), (rule.review_score(Decimal(100), fifty_nine), S)),
                           Decimal(100), fifty_nine) is True
    assert results.verdict(technician, _parts((sixty, S), (sixty, S), (fifty_nine, S)), sixty, sixty) is False
    PassRule.objects.create(level=middle, theory_min=70)
    assert results.verdict(middle, _parts((Decimal(65), S), (sixty, S))) is False


def test_compile_confirm_lock_and_change_with_a_second_person():
    day, m1, m2, leader = sat_with_short_answers()
    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    (task,) = services.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    batch = day.session.batch
    compiled = {r.application_id: r for r in results.results_compile(actor=day.officer, batch_id=batch.pk)}
    assert all(r.theory_state == P and "主观题阅卷未完成" in r.anomalies[0] for r in compiled.values()
               if r.application_id != task.scripts.get(status=ScriptStatus.FINAL).attempt.application_id)
    for script in task.scripts.filter(status=ScriptStatus.WAITING):
        services.mark_record(actor=m1, task_id=task.pk, code=script.code, points="6")
        services.mark_record(actor=m2, task_id=task.pk, code=script.code, points="7")
    # Re-scoring the objective items (e.g. after a key correction) keeps the marks.
    services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk,
                           multiple_rule="half")
    compiled = results.results_compile(actor=day.officer, batch_id=batch.pk)
    assert sorted(r.theory for r in compiled) == [0, Decimal("6.5"), Decimal("6.5"), Decimal("6.5")]
    assert all(r.theory_state == S and r.practical_state == P and r.passed is None for r in compiled)
    # §6.5.1: this batch holds no practical — the part is awaited, said plainly, not "评分未完成".
    assert all("实际操作成绩待出（未安排）" in r.anomalies for r in compiled)
    results.state_labels(batch, compiled)
    assert {r.state_label["practical"] for r in compiled} == {"成绩待出"}
    for r in compiled:  # 表B.2: the practical answer sheets were taken away
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=r.application_id,
                             part=Part.PRACTICAL, kind="zero", reason="携带评分表离开考场（表B.2）")
    compiled = results.results_compile(actor=day.officer, batch_id=batch.pk)
    assert all(r.practical == 0 and r.practical_state == PartState.ZERO and r.passed is False for r in compiled)
    with pytest.raises(PermissionDenied):
        results.results_confirm(actor=day.proctors[0], batch_id=batch.pk)
    assert results.results_confirm(actor=day.chief, batch_id=batch.pk) == 4
    with pytest.raises(ValidationError, match="已确认"):
        results.results_compile(actor=day.officer, batch_id=batch.pk)
    with pytest.raises(ValidationError, match="更正流程"):
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=compiled[0].application_id,
                             part=Part.THEORY, kind="void", reason="x")
    result = Result.objects.get(batch=batch, application_id=compiled[0].application_id)
    assert result.status == ResultStatus.CONFIRMED and result.confirmed_by == day.chief
    second = user_with_role(Role.EXAM_AFFAIRS, batch.announcement.body, username="officer2")
    with pytest.raises(ValidationError, match="原因"):
        results.change_request(actor=day.officer, result_id=result.pk, part=Part.THEORY, new="80", reason=" ")
    with pytest.raises(ValidationError, match="0 到 100"):
        results.change_request(actor=day.officer, result_id=result.pk, part=Part.THEORY, new="101", reason="复核")
    change = results.change_request(actor=day.officer, result_id=result.pk, part=Part.THEORY, new="80",
                                    reason="复核发现主观题漏评一页")
    with pytest.raises(PermissionDenied, match="另一人"):
        results.change_decide(actor=day.officer, change_id=change.pk, approve=True)
    results.change_decide(actor=second, change_id=change.pk, approve=True)
    result.refresh_from_db()
    assert (result.theory, result.passed) == (Decimal(80), False)  # practical is still zero
    change = results.change_request(actor=second, result_id=result.pk, part=Part.PRACTICAL, new="75",
                                    reason="评分表找回，按原评分登记")
    results.change_decide(actor=day.officer, change_id=change.pk, approve=True)
    result.refresh_from_db()
    assert (result.practical, result.practical_state, result.passed) == (Decimal(75), S, True)
    with pytest.raises(ValidationError, match="已处理"):
        results.change_decide(actor=day.officer, change_id=change.pk, approve=False)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"grading.results.compiled", "grading.results.confirmed", "grading.score.decided",
            "grading.result.change_requested", "grading.result.change_decided"} <= actions


def test_the_score_summary_as_excel_and_pdf_audited(client):
    """成绩汇总表 (§9.1 f): every candidate's parts and verdict, who confirmed, whether published."""
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    from tests.factories import pdf_embeds_font, pdf_text

    day, *_rest = marked_sitting(("8", "9"))
    batch = day.session.batch
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    client.force_login(day.officer)
    xlsx = client.get(reverse("console:results_summary", args=[batch.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["序号", "姓名", "证件号码"] and len(values) == 5
    names = {a.application.full_name for a in day.attempts}
    assert {row[1] for row in values[1:]} == names
    assert sorted(row[6] for row in values[1:]) == ["0", "8.5", "8.5", "8.5"]
    assert all("*" in row[2] for row in values[1:])  # ID numbers masked
    pdf = client.get(reverse("console:results_summary", args=[batch.pk, "pdf"])).content
    text = pdf_text(pdf)
    assert "成绩汇总表" in text and "尚未复核确认" in text and "不得外泄" in text and pdf_embeds_font(pdf)
    assert AuditEntry.objects.filter(action="grading.summary.downloaded").count() == 2
    client.force_login(day.proctors[0])
    assert client.get(reverse("console:results_summary", args=[batch.pk, "pdf"])).status_code == 403


def test_confirmed_results_go_to_the_supervising_platform_through_the_api(client):
    """§6.5.2: after the chief's confirmation the results are exported to the supervising platform."""
    from django.urls import reverse

    from skillcert.accounts.tokens import token_issue

    day, *_rest = marked_sitting(("7", "7"))
    batch = day.session.batch
    url = reverse("api:batch_results", args=[batch.pk])
    from skillcert.accounts.models import User
    from tests.factories import supervising_authority

    body = batch.announcement.body
    # The platform admin places the body under its supervising authority (accounts.services.organisation_update).
    authority = supervising_authority(SimpleNamespace(body=body, platform_admin=User.objects.get(username="padmin")))
    supervisor = user_with_role(Role.QUALITY_SUPERVISOR, authority, username="supervisor")
    key = token_issue(actor=None, user=supervisor, name="监管平台")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    # §10.7: the body's own (internal) quality supervisor is not the supervising platform — no scores before
    # publication for them.
    internal = user_with_role(Role.INTERNAL_SUPERVISOR, body, username="internal_qs")
    internal_auth = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(actor=None, user=internal, name='内部督导')}"}
    assert client.get(url).status_code == 401
    assert client.get(url, **auth).status_code == 409  # nothing compiled
    for r in results.results_compile(actor=day.officer, batch_id=batch.pk):
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=r.application_id,
                             part=Part.PRACTICAL, kind="void", reason="A.3.5")
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    assert client.get(url, **auth).status_code == 409  # not confirmed
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    assert client.get(url, **internal_auth).status_code == 403
    body = client.get(url, **auth).json()
    assert body["format"] == "skillcert.results/1" and body["count"] == 4 and body["passed"] == 0
    entry = next(e for e in body["results"] if e["theory"] == "7.00")
    assert entry["practical_state"] == "void" and entry["passed"] is False and entry["status"] == "confirmed"
    assert entry["id_number"] and entry["occupation_code"] == "4-09-07-04"
    assert AuditEntry.objects.filter(action="grading.results.export_api").count() == 1


def test_the_platform_admin_keeps_the_pass_rules_with_the_catalogue(client, world):
    """§6.5.1: the pass rule is data per level; only the catalogue's editor changes it, audited."""
    from django.urls import reverse

    technician = Level.objects.get(number=2)
    officer = user_with_role(Role.EXAM_AFFAIRS, world.body, username="officer_pr")
    with pytest.raises(PermissionDenied):
        results.pass_rule_save(actor=officer, level_id=technician.pk, theory_min=60, practical_min=60, review_min=60,
                               review_mode="each", defence_weight=50)
    admin = user_with_role(Role.PLATFORM_ADMIN, None, username="platform_pr")
    with pytest.raises(ValidationError) as exc:
        results.pass_rule_save(actor=admin, level_id=technician.pk, theory_min=60, practical_min="101",
                               review_min=60, review_mode="each", defence_weight=50)
    assert "practical_min" in exc.value.message_dict
    client.force_login(admin)
    page = client.get(reverse("console:catalog_list")).content.decode()
    assert 'id="pass-rules"' in page and "答辩和业绩评价均达到合格分" in page
    client.post(reverse("console:pass_rule_edit", args=[technician.pk]), {
        "theory_min": "60", "practical_min": "65", "review_min": "70", "review_mode": "weighted",
        "defence_weight": "40"})
    rule = PassRule.for_level(technician)
    assert (rule.practical_min, rule.review_min, rule.review_mode, rule.defence_weight) == (65, 70, "weighted", 40)
    entry = AuditEntry.objects.get(action="grading.pass_rule.saved")
    assert entry.data["before"]["practical_min"] == "60" and entry.data["after"]["practical_min"] == "65"
