"""Demo world, stage "registration": an annual plan, a published announcement for two trades at
中级 and 高级, and about 300 candidates with applications in every state — built through the
services (import, portal submission, review, fees), so the audit log tells how it came about.
Idempotent: if the demo announcement exists, nothing is added."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from skillcert.accounts.demo import DEMO_PASSWORD
from skillcert.accounts.enums import IdType
from skillcert.accounts.models import Organisation, User
from skillcert.catalog.models import Level, Occupation

from . import applications, candidates, imports, services
from .enums import AnnouncementStatus, ApplicationStatus
from .idnumbers import check_char
from .models import Announcement

TITLE = "关于开展2026年第四季度碳排放管理员职业技能等级认定工作的公告（演示）"
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
            "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "文博", "晓东", "海涛", "子涵", "雨萱", "浩然", "梓轩", "思远", "欣怡",
         "俊杰", "佳琪", "志强", "晓燕", "国庆", "春梅", "立新", "红霞"]
EMPLOYERS = ["青岛港集团（演示）", "华电青岛发电有限公司（演示）", "青岛啤酒股份有限公司（演示）", "海尔集团（演示）",
             "青岛能源热电集团（演示）", "中车四方股份公司（演示）", "青岛碳达峰咨询有限公司（演示）",
             "山东电力工程咨询院（演示）"]
REGIONS = ["370202", "370203", "370211", "370212", "370213", "370214", "370281", "370283"]
ANNOUNCEMENT_TEXT = (
    "根据《碳排放管理员职业技能等级认定工作管理规范》（T/QDSF 015—2022），经备案，我机构定于2026年第四季度"
    "开展碳排放管理员（碳排放监测员、碳排放核算员）中级、高级职业技能等级认定工作。现将有关事项公告如下。")
ELIGIBILITY = (
    "中级（四级）：累计从事本职业或相关职业工作满2年；或具有大专及以上学历。\n"
    "高级（三级）：取得本职业四级证书后从事本职业工作满4年；或累计从事本职业工作满8年；"
    "或具有本科及以上学历且从事本职业工作满2年。\n"
    "申报人须符合 §4.1 基本要求，并签署承诺书。")
METHOD = ("理论知识考试采用闭卷机考，实际操作考核采用现场操作与笔试相结合的方式，"
          "均实行百分制，成绩均达60分及以上者为合格。理论考试90分钟，实际操作考核120分钟。")
EXAM_AREAS = "青岛考区：设西海岸新区考点、崂山考点。具体考场见准考证。"


def _id(rng: random.Random, n: int) -> str:
    born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 25))
    first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _pdf() -> bytes:
    return b"%PDF-1.4\n% demo scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _photo(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (295, 413), (67, 142, 219))
    draw = ImageDraw.Draw(img)
    tone = (rng.randrange(220, 245), rng.randrange(185, 210), rng.randrange(160, 185))
    draw.ellipse((92, 70, 203, 200), fill=tone)
    draw.rectangle((60, 230, 235, 413), fill=(40, 40, 48))
    draw.ellipse((60, 200, 235, 300), fill=(40, 40, 48))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _rows(rng: random.Random, count: int, start: int, offers) -> list[list]:
    rows = []
    for i in range(count):
        n = start + i
        offer = offers[i % len(offers)]
        senior = offer.level.number == 3
        years = rng.choice([9, 10, 12, 15]) if senior else rng.choice([2, 3, 4, 5, 6])
        rows.append([_name(rng), str(IdType.RESIDENT_ID.label), _id(rng, n), f"15{n:09d}", "", offer.trade.name,
                     str(offer.level), rng.choice(["大专", "本科", "硕士研究生"]), rng.choice(EMPLOYERS), years,
                     None, None, None, "是"])
    return rows


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(imports.HEADERS)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def seed_registration() -> Announcement:
    existing = Announcement.objects.filter(title=TITLE).first()
    if existing:
        return existing
    rng = random.Random(20261120)
    body = Organisation.objects.get(name__startswith="青岛碳索职业技能评价")
    officer = User.objects.get(username="demo_exam_affairs")
    occ = Occupation.objects.get(code="4-09-07-04")
    lv = {n: Level.objects.get(number=n) for n in (4, 3, 2)}
    monitor, accountant = occ.trades.get(name="碳排放监测员"), occ.trades.get(name="碳排放核算员")
    verifier = occ.trades.get(name="碳排放核查员")

    year = timezone.localdate().year
    plan = services.plan_create(actor=officer, body=body, year=year,
                                notes="按季度组织；第四季度为监测员、核算员中级和高级。")
    for month, trade, level, people in [(3, monitor, 4, 120), (6, accountant, 4, 150), (9, verifier, 3, 60),
                                        (11, monitor, 4, 150), (11, monitor, 3, 60), (11, accountant, 4, 150),
                                        (11, accountant, 3, 60), (12, None, 2, 30)]:
        services.plan_row_add(actor=officer, plan_id=plan.pk, occupation=occ, trade=trade, level=lv[level],
                              month=month, planned_candidates=people)

    now = timezone.now()
    venues = list(Organisation.objects.filter(parent=body, kind="venue"))
    ann = services.announcement_create(
        actor=officer, body=body, title=TITLE, text=ANNOUNCEMENT_TEXT, eligibility=ELIGIBILITY,
        assessment_method=METHOD, exam_areas=EXAM_AREAS, venues=venues,
        registration_opens=now - dt.timedelta(days=12), registration_closes=now + dt.timedelta(days=18),
        offers=[services.Offer(occ, t, lv[n], 40000 if n == 4 else 60000) for t in (monitor, accountant)
                for n in (4, 3)])
    services.announcement_transition(actor=officer, announcement_id=ann.pk, target=AnnouncementStatus.PUBLISHED)
    services.announcement_create(
        actor=officer, body=body, title="关于开展2027年第一季度碳排放管理员职业技能等级认定工作的公告（草稿，演示）",
        text=ANNOUNCEMENT_TEXT.replace("2026年第四季度", "2027年第一季度"), eligibility=ELIGIBILITY,
        assessment_method=METHOD, exam_areas=EXAM_AREAS, venues=venues,
        registration_opens=now + dt.timedelta(days=45), registration_closes=now + dt.timedelta(days=75),
        offers=[services.Offer(occ, verifier, lv[3], 60000), services.Offer(occ, None, lv[2], 90000)])

    offers = list(ann.offers.select_related("trade", "level"))
    # 1. Employers' bulk registration: 250 candidates in two files.
    for start, count, name in [(1000, 150, "青岛港集团报名名单.xlsx"), (2000, 100, "华电青岛报名名单.xlsx")]:
        result = imports.import_applications(actor=officer, announcement_id=ann.pk,
                                             data=_xlsx(_rows(rng, count, start, offers)), file_name=name)
        assert result.ok, result.errors[:3]
    # The employers' candidates claim their accounts and upload the ID photo the certificate prints (§8.2.3.2).
    for app in ann.applications.filter(source="import").select_related("candidate").order_by("pk"):
        candidates.photo_set(actor=app.candidate, upload=SimpleUploadedFile("photo.jpg", _photo(rng)))

    # 2. Candidates who applied in the portal themselves (some not eligible), and the demo candidate.
    portal_apps = []
    demo = User.objects.get(username="demo_candidate")
    people = [(demo, None)] + [(None, n) for n in range(3000, 3050)]
    for user, n in people:
        if user is None:
            user = candidates.candidate_signup(full_name=_name(rng), id_type=IdType.RESIDENT_ID, id_number=_id(rng, n),
                                               phone=f"18{n:09d}", password=DEMO_PASSWORD,
                                               email=f"candidate{n}@example.com")
        elif not user.id_number:
            user.id_type, user.id_number, user.phone = IdType.RESIDENT_ID, "370212199205173417", "18600000001"
            user.save(update_fields=["id_type", "id_number", "phone"])
        weak = n is not None and n % 7 == 0
        candidates.profile_update(actor=user, education=2 if weak else rng.choice([3, 4, 4, 5]),
                                  employer=rng.choice(EMPLOYERS), years_in_occupation=Decimal(1 if weak else 5),
                                  school="中国石油大学（华东）环境工程" if not weak else "",
                                  work_history="2019.07—至今 能源管理岗，负责企业温室气体排放核算与报告。")
        candidates.photo_set(actor=user, upload=SimpleUploadedFile("photo.jpg", _photo(rng)))
        offer = offers[(n or 0) % len(offers)] if n is not None else offers[0]
        if offer.level.number == 3 and not weak:
            candidates.certificate_add(actor=user, occupation=occ, level=lv[4], number=f"S2087370003184{(n or 0):08d}",
                                       issued_on=dt.date(2020, 12, 18))
        sub = applications.Submission(
            declarations=dict.fromkeys(applications.DECLARATIONS, True), signature=user.full_name,
            uploads={"id_card": SimpleUploadedFile("身份证.pdf", _pdf()),
                     "work_proof": SimpleUploadedFile("工作证明.pdf", _pdf())}, verified_online=["diploma"])
        portal_apps.append(applications.application_submit(actor=user, announcement_id=ann.pk, offer_id=offer.pk,
                                                           submission=sub))

    # 3. Review: every state is represented.
    imported = list(ann.applications.filter(source="import").order_by("pk"))
    result = applications.application_bulk_approve(actor=officer, announcement_id=ann.pk,
                                                   application_ids=[a.pk for a in imported[:170]])
    for app in imported[170:182]:
        applications.application_review(actor=officer, application_id=app.pk, decision=ApplicationStatus.RETURNED,
                                         note="从业资历证明未加盖单位人事部门公章，请补充后重新提交。")
    for app in imported[176:182]:
        fixed = applications.Submission(
            declarations=dict.fromkeys(applications.DECLARATIONS, True), signature=app.full_name,
            uploads={"work_proof": SimpleUploadedFile("工作证明（盖章）.pdf", _pdf())},
            verified_online=["id_card", "diploma"])
        applications.application_resubmit(actor=app.candidate, application_id=app.pk, submission=fixed)
    for app in imported[182:188]:
        applications.application_withdraw(actor=app.candidate, application_id=app.pk)
    for app in portal_apps[1:]:
        if not app.eligible:
            applications.application_review(actor=officer, application_id=app.pk, decision=ApplicationStatus.REJECTED,
                                             note="不符合申报条件：" + app.explanation.splitlines()[-1])
    for app in portal_apps[1:21]:
        app.refresh_from_db()
        if app.status == ApplicationStatus.SUBMITTED:
            applications.application_review(actor=officer, application_id=app.pk, decision=ApplicationStatus.APPROVED)
    applications.application_withdraw(actor=portal_apps[-1].candidate, application_id=portal_apps[-1].pk)

    # 4. Fees: most approved candidates have paid; two waived.
    for i, pk in enumerate(result.approved[:140]):
        if i < 2:
            applications.fee_record(actor=officer, application_id=pk, kind="waived", amount_fen=0, note="退役军人减免")
        else:
            app = ann.applications.get(pk=pk)
            applications.fee_record(actor=officer, application_id=pk, kind="paid", amount_fen=app.fee_due_fen,
                                    receipt_number=f"QD2026-{i:05d}")
    return ann
