"""A computer-based sitting that is over: four candidates answered the short-answer item (one left it blank) and
submitted; two examiners and an examiner leader of the body are ready to mark."""

from __future__ import annotations

from skillcert.accounts.enums import Role
from skillcert.delivery import services as delivery
from tests.delivery.conftest import login, make_exam_day, started
from tests.factories import user_with_role

TEXTS = ["排放量等于活动数据乘以排放因子，并说明数据来源。", "按核算指南计算，保留两位小数。", "不知道", ""]


def sat_with_short_answers():
    day = make_exam_day(n=len(TEXTS))
    started(day)
    day.sitting.refresh_from_db()
    body = day.session.batch.announcement.body
    for a, text in zip(day.attempts, TEXTS, strict=True):
        aid = delivery.attempt_for_token(login(a, day.sitting.code))
        items = delivery.attempt_paper(attempt_id=aid)
        short = next(i for i in items if i["type"] == "short")
        if text:
            delivery.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": short["position"], "value": text}])
        delivery.attempt_submit(attempt_id=aid)
    m1 = user_with_role(Role.EXAMINER, body, username="marker1", full_name="阅卷甲")
    m2 = user_with_role(Role.EXAMINER, body, username="marker2", full_name="阅卷乙")
    leader = user_with_role(Role.EXAMINER_LEADER, body, username="leader", full_name="组长丙")
    return day, m1, m2, leader
