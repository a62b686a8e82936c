"""Demo stage ``itembank``: the 碳排放核算员 banks of the demo body.

- 中级 (四级): an approved blueprint and a complete bank — 1,200 theory items and 60 practical tasks with
  generated Chinese stems, designed difficulties spread around 3 and empirical difficulty/discrimination
  as grading would have left them — accepted by a five-member panel (§7.2.6) and released (§7.2.3);
  plus items by demo_item_writer in every workflow state, so the review queue is not empty.
- 高级 (三级): the same blueprint and a smaller active bank with shortfalls, so the dashboard shows red.

The historical reviews of the generated items are loaded as data; the acceptance meeting, the signatures
and the release go through the services like any other.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from skillcert.accounts import services as account_services
from skillcert.accounts.demo import BODY, DEMO_PASSWORD, demo_enrol
from skillcert.accounts.enums import CONTENT_ROLES, Role
from skillcert.accounts.models import Organisation, User
from skillcert.catalog.models import Level, Occupation

from . import blueprints, exchange, services
from .enums import Background, ItemStatus, ItemType, MeetingVerdict, ReviewDecision
from .models import Bank, Item, ItemReview

# (code, name, module kind or "", weight, importance)
BLUEPRINT = [
    ("A", "基础知识", "基础知识", 20, ""),
    ("A.01", "职业道德", "", 4, ""),
    ("A.01.01", "职业道德基本知识", "", None, "Y"), ("A.01.02", "职业守则", "", None, "Y"),
    ("A.02", "法律法规与政策", "", 8, ""),
    ("A.02.01", "《碳排放权交易管理办法（试行）》", "", None, "X"),
    ("A.02.02", "温室气体自愿减排交易管理办法", "", None, "Y"),
    ("A.02.03", "大气污染防治与节约能源法律知识", "", None, "Z"),
    ("A.03", "温室气体与气候变化基础", "", 8, ""),
    ("A.03.01", "温室气体种类与全球变暖潜势", "", None, "X"), ("A.03.02", "碳达峰碳中和目标", "", None, "Y"),
    ("A.03.03", "能源与计量基础", "", None, "Y"),
    ("B", "专业知识", "专业知识", 80, ""),
    ("B.01", "碳排放核算", "", 30, ""),
    ("B.01.01", "化石燃料燃烧排放核算", "", None, "X"), ("B.01.02", "工业生产过程排放核算", "", None, "X"),
    ("B.01.03", "净购入电力和热力排放核算", "", None, "X"), ("B.01.04", "核算边界与排放源识别", "", None, "Y"),
    ("B.02", "排放监测与数据质量", "", 20, ""),
    ("B.02.01", "监测计划编制", "", None, "X"), ("B.02.02", "计量器具与检定", "", None, "Y"),
    ("B.02.03", "数据质量控制", "", None, "X"),
    ("B.03", "排放报告与核查", "", 15, ""),
    ("B.03.01", "排放报告编制", "", None, "X"), ("B.03.02", "核查程序与要点", "", None, "Y"),
    ("B.04", "碳交易与碳资产管理", "", 15, ""),
    ("B.04.01", "配额分配与清缴", "", None, "X"), ("B.04.02", "国家核证自愿减排量", "", None, "Y"),
    ("B.04.03", "碳资产管理", "", None, "Z"),
    ("C", "实际操作", "实际操作", 100, ""),
    ("C.01", "排放数据收集与整理", "", 30, ""),
    ("C.01.01", "活动数据收集", "", None, "X"), ("C.01.02", "排放因子选取", "", None, "X"),
    ("C.02", "排放量计算与报告", "", 40, ""),
    ("C.02.01", "排放量计算", "", None, "X"), ("C.02.02", "排放报告填报", "", None, "X"),
    ("C.03", "监测计划与质量控制", "", 30, ""),
    ("C.03.01", "监测计划制定", "", None, "Y"), ("C.03.02", "数据质量检查", "", None, "X"),
]
ELEMENTS = [r for r in BLUEPRINT if r[0].count(".") == 2]
UNIT_WEIGHT = {r[0]: r[3] for r in BLUEPRINT if r[0].count(".") == 1}

INDUSTRIES = ["火力发电", "水泥熟料生产", "钢铁", "平板玻璃", "电解铝", "石化", "造纸", "化工", "民航", "陶瓷"]
FUELS = [("烟煤", 19.570), ("无烟煤", 24.515), ("天然气", 389.31), ("柴油", 43.330), ("燃料油", 40.190),
         ("焦炭", 28.435), ("液化石油气", 50.179)]
GASES = [("二氧化碳（CO₂）", "1"), ("甲烷（CH₄）", "28"), ("氧化亚氮（N₂O）", "265"), ("六氟化硫（SF₆）", "23500")]
CONCEPTS = {
    "A.01": [("碳排放管理员应当如实报送排放数据，不得", "篡改、伪造数据", ["按时报送", "留存原始记录", "接受核查"])],
    "A.02": [("重点排放单位应当在每年的什么时间前报送上一年度温室气体排放报告？", "3月31日",
              ["1月31日", "6月30日", "12月31日"]),
             ("全国碳排放权交易市场的交易产品为", "碳排放配额", ["用能权", "排污权", "绿色电力证书"])],
    "A.03": [("《京都议定书》规定控制的温室气体不包括", "一氧化碳", ["二氧化碳", "甲烷", "氧化亚氮"]),
             ("“双碳”目标中，我国力争实现碳中和的时间是", "2060年前", ["2030年前", "2050年前", "2070年前"])],
    "B.01": [("化石燃料燃烧排放量等于燃料消耗量乘以", "排放因子", ["低位发热量", "碳氧化率", "平均碳含量"]),
             ("净购入电力产生的排放属于", "间接排放", ["直接排放", "过程排放", "逸散排放"])],
    "B.02": [("监测计划发生重大变更时，重点排放单位应当", "修订监测计划并报主管部门备案", ["继续执行原计划", "暂停监测",
                                                                          "仅内部记录"])],
    "B.03": [("排放报告中活动数据的优先来源是", "经计量的实测数据", ["行业平均值", "估算值", "上一年度数据"])],
    "B.04": [("配额清缴时，可用于抵销的国家核证自愿减排量比例不超过应清缴配额的", "5%", ["1%", "10%", "20%"])],
}


def _stem_variants(rng: random.Random, unit: str, element: str, n: int) -> list[tuple[str, dict]]:
    """``n`` (type, raw content) pairs for one element, varied by industry, fuel and numbers."""
    out = []
    for i in range(n):
        industry = INDUSTRIES[(i + len(element)) % len(INDUSTRIES)]
        fuel, factor = FUELS[i % len(FUELS)]
        gas, gwp = GASES[i % len(GASES)]
        kind = rng.choices([ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE, ItemType.FILL, ItemType.SHORT,
                            ItemType.CALCULATION], weights=[45, 20, 20, 5, 6, 4])[0]
        concept = CONCEPTS.get(unit, CONCEPTS["B.01"])[i % len(CONCEPTS.get(unit, CONCEPTS["B.01"]))]
        amount = rng.randint(2, 90) * 1000
        if kind == ItemType.SINGLE:
            options = [concept[1], *concept[2]]
            rng.shuffle(options)
            stem = f"（{industry}企业·{element}）{concept[0]}（  ）。"
            out.append((kind, {"stem": stem, "options": options, "answer": "ABCD"[options.index(concept[1])],
                               "explanation": f"依据相关规定，正确答案为“{concept[1]}”。"}))
        elif kind == ItemType.MULTIPLE:
            stem = (f"某{industry}企业开展年度排放核算，下列属于其核算边界内排放源的有（  ）。"
                    f"（认定点{element}，第{i + 1}题）")
            options = [f"{fuel}燃烧", "厂区自有车辆消耗柴油", "外购电力", "员工通勤私家车", "上游供应商生产"]
            out.append((kind, {"stem": stem, "options": options, "answer": "ABC",
                               "explanation": "员工通勤和上游供应商的排放不在企业核算边界之内。"}))
        elif kind == ItemType.JUDGE:
            true = i % 2 == 0
            stem = (f"{gas}的全球变暖潜势（GWP，100年）为{gwp if true else int(gwp) * 2}。"
                    f"（{industry}·{element}·{i + 1}）")
            out.append((kind, {"stem": stem, "answer": "正确" if true else "错误",
                               "explanation": f"{gas}的GWP取{gwp}（IPCC第五次评估报告）。"}))
        elif kind == ItemType.FILL:
            stem = f"{fuel}的单位热值含碳量缺省值约为______吨碳/TJ（保留三位小数）。（{industry}·{i + 1}）"
            out.append((kind, {"stem": stem, "answer": f"{factor / 14.0:.3f}" if factor > 100 else f"{factor:.3f}",
                               "rubric": "数值正确得满分，单位或小数位错误不得分。"}))
        elif kind == ItemType.SHORT:
            stem = f"简述{industry}企业编制温室气体排放监测计划时应包含的主要内容。（{element}·{i + 1}）"
            out.append((kind, {"stem": stem, "answer": "排放源识别、活动数据和排放因子的获取方式、监测频次、计量器具、"
                                                     "数据质量控制措施、责任分工。",
                               "rubric": "每答对一项得1分，满分5分。"}))
        else:
            stem = (f"某{industry}企业全年消耗{fuel}{amount}吨，低位发热量取缺省值，单位热值含碳量"
                    f"{factor / 1000:.5f}吨碳/GJ，碳氧化率98%。计算其化石燃料燃烧二氧化碳排放量。（{i + 1}）")
            formula = "排放量 = 消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12"
            out.append((kind, {"stem": stem, "answer": formula,
                               "rubric": "公式正确得4分，数据代入正确得3分，结果正确得3分。"}))
    return out


def _practical(i: int, element: str) -> dict:
    industry = INDUSTRIES[i % len(INDUSTRIES)]
    return {
        "stem": f"根据提供的{industry}企业{2020 + i % 5}年度燃料消耗台账、购电发票和生产报表，"
                f"完成该企业温室气体排放量的核算，并填写排放报告相关表格。（实操任务{i + 1}，{element}）",
        "answer": "按核算指南完成边界确定、排放源识别、数据整理、排放量计算和报告填写。",
        "time_minutes": 60 + 15 * (i % 3), "materials": "计算器、核算指南、排放因子缺省值表、报告模板、台账复印件",
        "scoring_sheet": [{"criterion": "核算边界与排放源识别", "points": "20", "method": "遗漏一处排放源扣5分"},
                          {"criterion": "活动数据整理", "points": "25", "method": "数据或单位错误每处扣5分"},
                          {"criterion": "排放量计算", "points": "40", "method": "每处计算错误扣10分"},
                          {"criterion": "报告填写规范", "points": "15", "method": "格式不规范每处扣3分"}],
        "rubric": "总分100分，60分合格。",
    }


def generate(rng: random.Random, theory: int, practical: int, *, elements=ELEMENTS) -> list[exchange.Parsed]:
    """``theory`` theory items spread over the units by weight and ``practical`` tasks, ready for write_items."""
    parsed: list[exchange.Parsed] = []
    theory_units = [u for u in UNIT_WEIGHT if u[0] in "AB"]
    for unit in theory_units:
        unit_elements = [e for e in elements if e[0].startswith(unit + ".")]
        share = round(theory * UNIT_WEIGHT[unit] / 100)
        for j, e in enumerate(unit_elements):
            count = share // len(unit_elements) + (1 if j < share % len(unit_elements) else 0)
            for kind, raw in _stem_variants(rng, unit, e[0], count):
                parsed.append(_parsed(rng, kind, e[0], raw))
    del parsed[theory:]  # per-unit rounding may give one or two more
    practical_elements = [e[0] for e in elements if e[0].startswith("C.")]
    per_element = []  # by unit weight, then evenly over the unit's elements
    for unit in (u for u in UNIT_WEIGHT if u.startswith("C")):
        unit_elements = [e for e in practical_elements if e.startswith(unit + ".")]
        share = round(practical * UNIT_WEIGHT[unit] / 100)
        per_element += [unit_elements[j % len(unit_elements)] for j in range(share)]
    per_element = per_element or practical_elements  # fewer tasks than units: round robin
    for i in range(practical):
        code = per_element[i % len(per_element)]
        parsed.append(_parsed(rng, ItemType.PRACTICAL, code, _practical(i, code)))
    return parsed


def _parsed(rng: random.Random, kind: str, element: str, raw: dict) -> exchange.Parsed:
    from . import content as content_mod

    difficulty = min(5, max(1, round(rng.gauss(3, 0.9))))
    seconds = {ItemType.PRACTICAL: 3600, ItemType.SHORT: 300, ItemType.CALCULATION: 420}.get(kind, 60)
    meta = {"type": kind, "element_code": element, "difficulty": difficulty, "expected_seconds": seconds,
            "source": rng.choice(["自编", "《温室气体排放核算与报告要求》改编", "历年试题分析（§7.2.2.1）"]),
            "enemy_group": f"EG-{element}-{rng.randint(1, 40)}" if rng.random() < 0.08 else ""}
    return exchange.Parsed(meta, content_mod.normalise(kind, raw))


def _user(admin: User, body: Organisation, username: str, name: str, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_services.user_create(actor=admin, username=username, full_name=name, password=DEMO_PASSWORD,
                                            organisation=body)
        account_services.role_assign(actor=admin, user_id=user.pk, role=role, organisation=body)
    if role in CONTENT_ROLES:
        demo_enrol(admin, user)
    return user


def _blueprint(bank: Bank, manager: User) -> None:
    rows = [blueprints.NodeRow(code, name, blueprints.MODULE_WORDS.get(kind, ""),
                               Decimal(weight) if weight is not None else None, imp, n)
            for n, (code, name, kind, weight, imp) in enumerate(BLUEPRINT, start=2)]
    bp = blueprints.blueprint_create(actor=manager, bank_id=bank.pk, rows=rows,
                                     note="依据《碳排放管理员国家职业技能标准》编写（§7.2.2.2）")
    blueprints.blueprint_approve(actor=manager, blueprint_id=bp.pk)


def sample_statistics(item: Item, rng: random.Random) -> None:
    """Plausible historical statistics: proportion correct falling with the designed difficulty, and a
    discrimination index around 0.38 (until grading, #8, measures real ones)."""
    item.empirical_difficulty = round(min(0.95, max(0.15, rng.gauss(0.85 - 0.1 * item.difficulty, 0.08))), 2)
    item.discrimination = round(min(0.75, max(0.05, rng.gauss(0.38, 0.1))), 2)


def _approve_in_bulk(bank: Bank, reviewer: User, rng: random.Random) -> None:
    """Load the generated items' historical reviews (all four §7.2.4 points met) and their statistics."""
    items = list(Item.objects.filter(bank=bank, status=ItemStatus.DRAFT).select_related("current_version"))
    ItemReview.objects.bulk_create([
        ItemReview(item=i, version=i.current_version, reviewer=reviewer, checklist=dict.fromkeys("abcd", True),
                   decision=ReviewDecision.APPROVE, comments="符合命题规范。") for i in items], batch_size=500)
    for i in items:
        i.status, i.reviewer = ItemStatus.APPROVED, reviewer
        sample_statistics(i, rng)
    Item.objects.bulk_update(items, ["status", "reviewer", "empirical_difficulty", "discrimination"], batch_size=500)


def _accept_and_release(bank: Bank, manager: User, panel: list[tuple[User, str]], when: dt.date, n: int) -> None:
    meeting = services.meeting_create(actor=manager, bank_id=bank.pk, title=f"{bank}题库技术验收会（第{n}次）",
                                      held_on=when, place="青岛碳索职业技能评价有限公司 3楼第一会议室")
    for user, background in panel:
        services.meeting_add_member(actor=manager, meeting_id=meeting.pk, user=user, background=background)
    services.meeting_conclude(actor=manager, meeting_id=meeting.pk, verdict=MeetingVerdict.PASS,
                              minutes="验收小组审查了题库征求意见稿、编制说明和全部试题，认为试题覆盖细目表，格式规范，"
                                      "难度分布合理，同意通过验收。")
    for user, _background in panel:
        services.meeting_sign(actor=user, meeting_id=meeting.pk)
    services.meeting_close(actor=manager, meeting_id=meeting.pk)
    services.release_create(actor=manager, bank_id=bank.pk, notes={
        "a": "依据《碳排放管理员国家职业技能标准》和T/QDSF 015—2022，按认定要素细目表比重命题。",
        "b": "核算公式、排放因子缺省值依据生态环境部发布的核算与报告指南。",
        "c": "首次发布，无新旧试题对比。" if n == 1 else "新增试题见修订记录。",
        "d": "2026年5月在两家重点排放单位组织模拟测试，记录见附件。",
        "e": "理论知识按细目表比重随机组卷，同一互斥组试题不同卷出现；实操按模块抽取。",
        "f": "本期完成题库开发，经内部审核和技术验收后发布。"},
        revision={"a": "征求意见汇总已采纳。", "b": "专题讨论会纪要存档。", "c": "模拟组卷测试通过。"} if n > 1 else {})


@transaction.atomic
def seed_itembank() -> Bank:
    occ = Occupation.objects.get(code="4-09-07-04")
    trade = occ.trades.get(name="碳排放核算员")
    body = Organisation.objects.get(name=BODY["name"])
    existing = Bank.objects.filter(body=body, trade=trade, level__number=4).first()
    if existing and existing.items.exists():
        return existing
    admin = User.objects.get(username="demo_platform_admin")
    manager = User.objects.get(username="demo_bank_manager")
    writer = User.objects.get(username="demo_item_writer")
    reviewer = User.objects.get(username="demo_item_reviewer")
    panel = [(manager, Background.TECHNICAL), (reviewer, Background.ASSESSMENT),
             (_user(admin, body, "demo_panel_training", "许文华", Role.ITEM_REVIEWER), Background.TRAINING),
             (_user(admin, body, "demo_panel_technical", "钱立群", Role.ITEM_REVIEWER), Background.TECHNICAL),
             (_user(admin, body, "demo_panel_assessment", "韩素梅", Role.ITEM_REVIEWER), Background.ASSESSMENT)]
    importer = _user(admin, body, "demo_item_writer_2", "唐明远", Role.ITEM_WRITER)
    rng = random.Random(20261121)
    banks = {}
    for number, theory, practical in ((4, 1200, 60), (3, 420, 18)):
        bank = services.bank_create(actor=manager, body=body, occupation=occ, trade=trade,
                                    level=Level.objects.get(number=number))
        _blueprint(bank, manager)
        exchange.write_items(actor=importer, bank_id=bank.pk, parsed=generate(rng, theory, practical),
                             source="demo", file_name="历年题库整理.xlsx")
        _approve_in_bulk(bank, reviewer, rng)
        _accept_and_release(bank, manager, panel, timezone.localdate() - dt.timedelta(days=40), 1)
        banks[number] = bank
    _workflow_examples(banks[4], writer, reviewer, rng)
    return banks[4]


def _workflow_examples(bank: Bank, writer: User, reviewer: User, rng: random.Random) -> None:
    """A few items by demo_item_writer in every state before acceptance."""
    samples = generate(rng, 12, 1)
    made = [services.item_create(actor=writer, bank_id=bank.pk, meta=p.meta, content=p.content) for p in samples]
    first = made[0]
    changed = {**services.item_content(actor=writer, item=first, purpose="demo")}
    changed["explanation"] = changed.get("explanation", "") + "（已根据审题意见补充依据条款。）"
    services.item_edit(actor=writer, item_id=first.pk, meta={f: getattr(first, f) for f in services.META_FIELDS},
                       content=changed, note="补充解析")
    for item in made[1:10]:
        services.item_transition(actor=writer, item_id=item.pk, target=ItemStatus.SUBMITTED)
    for item in made[4:10]:
        services.item_transition(actor=reviewer, item_id=item.pk, target=ItemStatus.IN_REVIEW)
    for item in made[6:8]:
        services.item_review(actor=reviewer, item_id=item.pk, checklist=dict.fromkeys("abcd", True),
                             decision=ReviewDecision.APPROVE, comments="")
    services.item_review(actor=reviewer, item_id=made[8].pk, checklist={"a": True, "b": False, "c": True, "d": True},
                         decision=ReviewDecision.RETURN, comments="答案表述不规范，请按命题规范修改选项格式。")
    active = Item.objects.filter(bank=bank, status=ItemStatus.ACTIVE, type=ItemType.SINGLE).order_by("code").first()
    services.problem_report(actor=reviewer, item_id=active.pk,
                            description="2026年第三批考试中考生反映选项B与C表述相近，建议修改。")
