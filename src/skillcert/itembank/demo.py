"""Demo stage ``itembank``: the 碳排放核算员 banks of the demo body.

- 中级 (四级): an approved blueprint and a complete bank — 1,200 theory items and 60 practical tasks with
  computed Chinese stems (real accounting parameters, every stem distinct, no internal codes), designed
  difficulties spread around 3 and empirical difficulty/discrimination
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
from skillcert.core.statemachine import transition_many

from . import blueprints, exchange, services
from .enums import Background, ItemStatus, ItemType, MeetingVerdict, ReviewDecision
from .meta import META_FIELDS
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
# (fuel, unit, low heating value GJ per unit, carbon per heat tC/GJ, oxidation %) — the national accounting
# guidelines' default values, rounded as the guidelines print them.
FUELS = [("烟煤", "t", 19.570, 0.02618, 93), ("无烟煤", "t", 26.700, 0.02749, 94), ("褐煤", "t", 11.900, 0.02797, 96),
    ("焦炭", "t", 28.435, 0.02950, 93), ("柴油", "t", 43.330, 0.02020, 98), ("燃料油", "t", 40.190, 0.02110, 98),
    ("液化石油气", "t", 50.179, 0.01720, 98), ("天然气", "万Nm³", 389.31, 0.01532, 99)]
GASES = [("甲烷（CH₄）", 28), ("氧化亚氮（N₂O）", 265), ("六氟化硫（SF₆）", 23500), ("四氟化碳（CF₄）", 6630),
    ("六氟乙烷（C₂F₆）", 11100), ("三氟甲烷（HFC-23）", 12400)]
GRID_FACTORS = [0.5703, 0.5366, 0.5810, 0.6101]  # tCO₂/MWh, the published national grid averages of recent years
PRODUCTS = {"火力发电": ("供电量", "MWh", 0.8218), "水泥熟料生产": ("熟料产量", "t", 0.8530),
            "钢铁": ("粗钢产量", "t", 1.6500), "平板玻璃": ("玻璃液产量", "t", 0.5300),
            "电解铝": ("电解铝产量", "t", 1.5800), "石化": ("原油加工量", "t", 0.2100),
            "造纸": ("纸产品产量", "t", 0.5600), "化工": ("合成氨产量", "t", 2.1500),
            "民航": ("运输周转量", "万吨公里", 9.3400), "陶瓷": ("陶瓷砖产量", "万m²", 8.1200)}
INSTRUMENTS = [("皮带秤", 12), ("汽车衡", 12), ("燃气流量计", 24), ("油品流量计", 12), ("电能表", 60),
          ("热量表", 24), ("红外碳硫分析仪", 12)]
# (what the manager faces, the right way, three wrong ways) — 职业道德与守则.
ETHICS = [
    ("发现上年度排放报告中的燃料消耗量与财务台账不一致", "查明原因，按实际数据更正并留存说明",
     ["按报告数据修改财务台账", "不予处理，等核查机构发现", "取两者的平均值上报"]),
    ("被部门负责人要求调低报送的排放数据以减少配额缺口", "拒绝并如实报送，必要时向上级报告",
     ["按要求调低数据", "只调低不易核查的排放源", "调低后在内部留存真实数据"]),
    ("收到核查机构人员暗示可以“通融”的请求", "拒绝并向单位负责人报告", ["私下协商费用", "请示同事后再定",
                                                        "先答应再视情况处理"]),
    ("需要对外提供企业的排放数据和生产工艺资料", "在授权范围内提供并履行保密义务",
     ["全部公开以示透明", "按对方要求提供任何资料", "为避免麻烦一律拒绝"]),
    ("在整理监测数据时发现计量器具已超过检定有效期", "立即报告并安排检定，对期间数据进行评估",
     ["继续使用，年底再检定", "删除超期期间的数据", "用上年同期数据替代"]),
    ("受邀参加一家咨询公司组织的收费培训并被要求推荐其服务", "保持独立，不利用岗位为他人谋取利益",
     ["推荐并收取介绍费", "以单位名义签约", "将单位数据提供给该公司"]),
]
# (task, key points) for short answers — one per task and industry.
TASKS = [
    ("编制温室气体排放监测计划",
     "排放源识别、活动数据和排放因子的获取方式、监测频次、计量器具、数据质量控制措施、责任分工。"),
    ("确定企业温室气体核算边界", "法人边界与设施边界、主要生产系统与辅助生产系统、排放源与气体种类、排除项说明。"),
    ("开展排放数据的内部质量控制", "数据来源核对、交叉校验、异常值识别、计量器具检定状态、记录留存与复核签字。"),
    ("准备迎接第三方核查", "报告与原始凭证一致、监测计划执行情况说明、计量器具检定证书、整改记录、联系人与现场安排。"),
    ("履行年度配额清缴义务", "核对排放量与配额、评估缺口、制定购买或抵销方案、按期在注册登记系统完成清缴。"),
    ("处理活动数据缺失", "说明缺失原因、按监测计划规定的保守方法补足、记录依据、报告中如实说明。"),
    ("开展碳资产管理", "配额和减排量台账、交易策略与风险控制、账户与授权管理、信息披露。"),
    ("选取排放因子", "优先实测值、次选指南缺省值、说明来源与适用条件、保持年度间一致。")]


def _unit(unit: str) -> str:
    return "吨" if unit == "t" else unit


def _fmt(x: float) -> str:
    return f"{x:,.2f}".replace(",", "") if abs(x) < 100 else f"{round(x):d}"


def _choices(rng, right: str, wrong: list[str]) -> tuple[list[str], str]:
    options = [right, *[w for w in dict.fromkeys(wrong) if w != right]][:4]
    rng.shuffle(options)
    return options, "ABCD"[options.index(right)]


def _combustion(rng):
    industry, year = rng.choice(INDUSTRIES), rng.randint(2019, 2026)
    fuel, unit, ncv, cc, ox = rng.choice(FUELS)
    amount = rng.randint(12, 980) * (1 if unit != "t" else 100)
    co2 = amount * ncv * cc * ox / 100 * 44 / 12
    context = (f"某{industry}企业{year}年消耗{fuel}{amount}{_unit(unit)}，低位发热量为{ncv}GJ/{unit}，单位热值含碳量为"
               f"{cc}tC/GJ，碳氧化率为{ox}%")
    return context, co2, amount * ncv * cc * ox / 100


def single(rng, unit: str) -> tuple[str, dict]:
    """A single-choice item for ``unit``: numbers computed, distractors the usual mistakes."""
    industry, year = rng.choice(INDUSTRIES), rng.randint(2019, 2026)
    if unit == "A.01":
        what, right, wrong = rng.choice(ETHICS)
        stem = f"{industry}企业的碳排放管理员{what}，正确的做法是（  ）。"
        explain = "碳排放管理员应遵守职业守则，如实记录和报送数据。"
    elif unit == "A.02":
        emission = rng.randint(5, 60) / 10
        stem = (f"某{industry}企业{year}年温室气体排放量为{emission}万吨二氧化碳当量（综合能源消费量约"
                f"{round(emission * 3800):d}吨标准煤），按规定该企业（  ）。")
        right = "应列入温室气体重点排放单位名录" if emission >= 2.6 else "未达到纳入重点排放单位名录的标准"
        wrong = ["未达到纳入重点排放单位名录的标准" if emission >= 2.6 else "应列入温室气体重点排放单位名录",
                 "只需报告不需核查", "由企业自愿选择是否纳入"]
        explain = "年度温室气体排放量达到2.6万吨二氧化碳当量的单位列入重点排放单位名录。"
    elif unit == "A.03":
        gas, gwp = rng.choice(GASES)
        tons = rng.randint(2, 400) / 10
        right = _fmt(tons * gwp)
        stem = (f"某{industry}企业{year}年{gas}逸散量为{tons}吨，按100年全球变暖潜势{gwp}折算，相当于（  ）"
                "吨二氧化碳当量。")
        wrong = [_fmt(tons / gwp), _fmt(tons * gwp * 10), _fmt(tons * gwp / 10)]
        explain = f"二氧化碳当量 = 气体质量 × GWP = {tons} × {gwp}。"
    elif unit == "B.02":
        instrument, months = rng.choice(INSTRUMENTS)
        month = rng.randint(1, 12)
        due_year, due_month = year + (month + months - 1) // 12, (month + months - 1) % 12 + 1
        stem = (f"某{industry}企业的{instrument}于{year}年{month}月完成检定，检定周期为{months}个月，"
                "下一次检定最迟应在（  ）前完成。")
        right = f"{due_year}年{due_month}月"
        wrong = [f"{due_year + 1}年{due_month}月", f"{year}年{12 if month == 12 else month + 1}月",
                 f"{due_year}年{due_month % 12 + 1}月"]
        explain = "计量器具应在检定有效期内使用，到期前完成下一次检定。"
    elif unit == "B.03":
        a, b, c = rng.randint(2000, 90000), rng.randint(0, 20000), rng.randint(1000, 40000)
        stem = (f"某{industry}企业{year}年度化石燃料燃烧排放{a}tCO₂，工业生产过程排放{b}tCO₂，净购入电力排放"
                f"{c}tCO₂，该企业报告的排放总量为（  ）tCO₂。")
        right = str(a + b + c)
        wrong = [str(a + b), str(a + c), str(a + b - c)]
        explain = "排放总量为各类排放之和（净购入电力和热力排放计入）。"
    elif unit == "B.04":
        if rng.random() < 0.5:
            quota = rng.randint(20, 900)
            stem = (f"某重点排放单位{year}年度应清缴配额{quota}万吨，按规定可用于抵销的国家核证自愿减排量"
                    "最多为（  ）万吨。")
            right = _fmt(quota * 0.05)
            wrong = [_fmt(quota * 0.1), _fmt(quota * 0.01), _fmt(quota * 0.2)]
            explain = "抵销比例不超过应清缴碳排放配额的5%。"
        else:
            name, unit_name, benchmark = PRODUCTS[industry]
            output = rng.randint(20, 990) * 1000
            stem = (f"某{industry}企业{year}年{name}为{output}{unit_name}，基准值为{benchmark}tCO₂/{unit_name}，"
                    "修正系数取1，其年度配额为（  ）tCO₂。")
            right = _fmt(output * benchmark)
            wrong = [_fmt(output / benchmark), _fmt(output * benchmark * 1.1), _fmt(output * benchmark * 0.9)]
            explain = "配额 = 产量 × 基准值 × 修正系数。"
    else:  # B.01 and anything else: accounting
        kind = rng.randrange(3)
        if kind == 0:
            context, co2, carbon = _combustion(rng)
            stem = f"{context}，其燃烧产生的二氧化碳排放量约为（  ）tCO₂。"
            right, wrong = _fmt(co2), [_fmt(carbon), _fmt(co2 * 100 / 95 * 1.05), _fmt(co2 * 10)]
            explain = "排放量 = 消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12。"
        elif kind == 1:
            mwh, factor = rng.randint(300, 90000), rng.choice(GRID_FACTORS)
            stem = (f"某{industry}企业{year}年净购入电量{mwh}MWh，电网排放因子取{factor}tCO₂/MWh，其净购入电力"
                    "对应的二氧化碳排放量为（  ）tCO₂。")
            right, wrong = _fmt(mwh * factor), [_fmt(mwh / factor), _fmt(mwh * factor * 1000), _fmt(mwh * factor / 10)]
            explain = "净购入电力排放 = 净购入电量 × 电网排放因子。"
        else:
            tons, purity = rng.randint(500, 90000), rng.randint(85, 98)
            stem = (f"某{industry}企业{year}年消耗石灰石{tons}吨，碳酸钙含量为{purity}%，碳酸钙分解的排放因子"
                    "为0.440tCO₂/t，其工业生产过程二氧化碳排放量为（  ）tCO₂。")
            right = _fmt(tons * purity / 100 * 0.44)
            wrong = [_fmt(tons * 0.44), _fmt(tons * purity / 100 * 44 / 12), _fmt(tons * purity / 100 * 0.12)]
            explain = "过程排放 = 原料消耗量 × 碳酸盐含量 × 排放因子。"
    options, answer = _choices(rng, right, wrong)
    return stem, {"stem": stem, "options": options, "answer": answer, "explanation": explain}


def multiple(rng, unit: str) -> tuple[str, dict]:
    industry, year = rng.choice(INDUSTRIES), rng.randint(2019, 2026)
    fuel = rng.choice(FUELS)[0]
    if unit.startswith("A"):
        what, right, wrong = rng.choice(ETHICS)
        stem = (f"{industry}企业的碳排放管理员在{year}年度工作中{what}，下列做法中符合职业守则的有（  ）。")
        options = [right, "如实记录处理经过并留存证据", "及时向单位负责人报告", *wrong[:2]]
        answer = "ABC"
        explain = "应如实、及时处理并留存记录。"
    else:
        stem = (f"某{industry}企业{year}年以{fuel}为主要燃料，下列属于其温室气体核算边界内排放源的有（  ）。")
        options = [f"{fuel}燃烧", "厂区自有车辆消耗柴油", "净购入电力", "员工通勤私家车", "上游供应商生产"]
        answer = "ABC"
        explain = "员工通勤和上游供应商的排放不在企业核算边界之内。"
    return stem, {"stem": stem, "options": options, "answer": answer, "explanation": explain}


def judge(rng, unit: str) -> tuple[str, dict]:
    industry, year = rng.choice(INDUSTRIES), rng.randint(2019, 2026)
    true = rng.random() < 0.5
    if unit == "A.03":
        gas, gwp = rng.choice(GASES)
        tons = rng.randint(2, 400) / 10
        value = tons * gwp if true else tons * gwp * rng.choice([2, 10])
        stem = f"{year}年某{industry}企业逸散{gas}{tons}吨，按GWP {gwp}折算为{_fmt(value)}吨二氧化碳当量。"
        explain = f"{tons} × {gwp} = {_fmt(tons * gwp)}。"
    elif unit.startswith("A"):
        emission = rng.randint(5, 60) / 10
        stem = f"某{industry}企业{year}年温室气体排放量为{emission}万吨二氧化碳当量，应列入重点排放单位名录。"
        true = emission >= 2.6
        explain = "纳入标准为年度排放量达到2.6万吨二氧化碳当量。"
    else:
        mwh, factor = rng.randint(300, 90000), rng.choice(GRID_FACTORS)
        value = mwh * factor if true else mwh * factor * rng.choice([1.5, 0.5, 10])
        stem = (f"某{industry}企业{year}年净购入电量{mwh}MWh，电网排放因子取{factor}tCO₂/MWh，其净购入电力排放量"
                f"为{_fmt(value)}tCO₂。")
        explain = f"{mwh} × {factor} = {_fmt(mwh * factor)}。"
    return stem, {"stem": stem, "answer": "正确" if true else "错误", "explanation": explain}


def fill(rng, unit: str) -> tuple[str, dict]:
    fuel, fuel_unit, ncv, _cc, _ox = rng.choice(FUELS)
    amount = rng.randint(12, 980) * (100 if fuel_unit == "t" else 1)
    stem = f"{amount}{_unit(fuel_unit)}{fuel}按低位发热量{ncv}GJ/{fuel_unit}折算，热量为______GJ（保留整数）。"
    return stem, {"stem": stem, "answer": f"{round(amount * ncv):d}",
                  "rubric": "数值正确得满分，单位或取整错误不得分。"}


def short(rng, unit: str) -> tuple[str, dict]:
    industry = rng.choice(INDUSTRIES)
    task, points = rng.choice(TASKS)
    stem = f"简述{industry}企业{task}时应当关注的主要内容。"
    return stem, {"stem": stem, "answer": points, "rubric": "每答对一项得1分，满分5分。"}


def calculation(rng, unit: str) -> tuple[str, dict]:
    context, co2, _carbon = _combustion(rng)
    stem = f"{context}。计算其化石燃料燃烧二氧化碳排放量（保留整数，写出计算过程）。"
    formula = f"排放量 = 消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12 ≈ {round(co2):d} tCO₂"
    return stem, {"stem": stem, "answer": formula, "rubric": "公式正确得4分，数据代入正确得3分，结果正确得3分。"}


FAMILIES = {ItemType.SINGLE: single, ItemType.MULTIPLE: multiple, ItemType.JUDGE: judge, ItemType.FILL: fill,
            ItemType.SHORT: short, ItemType.CALCULATION: calculation}


def _stem_variants(rng: random.Random, unit: str, element: str, n: int, seen: set[str]) -> list[tuple[str, dict]]:
    """``n`` (type, raw content) pairs for one element. Every stem differs from every other stem in ``seen``
    (a real bank never holds the same question twice) and carries no internal code."""
    out = []
    for _ in range(n):
        kind = rng.choices(list(FAMILIES), weights=[45, 20, 20, 5, 6, 4])[0]
        for _attempt in range(40):
            stem, raw = FAMILIES[kind](rng, unit)
            if stem not in seen:
                break
        else:  # this family is exhausted for the unit: an accounting item (a practically endless space)
            kind = ItemType.SINGLE
            stem, raw = single(rng, "B.01")
            while stem in seen:
                stem, raw = single(rng, "B.01")
        seen.add(stem)
        out.append((kind, raw))
    return out


PRACTICAL_TASKS = {
    "C.01.01": ("燃料消耗台账、购电发票和生产报表", "整理全年活动数据，编制活动数据汇总表并注明每项数据的来源"),
    "C.01.02": ("燃料检测报告和核算指南缺省值表", "为每一排放源选取排放因子，说明选取依据和适用条件"),
    "C.02.01": ("燃料消耗台账、购电发票和排放因子表", "计算化石燃料燃烧、过程和净购入电力热力排放量及排放总量"),
    "C.02.02": ("核算结果和全国排放报告模板", "填写年度温室气体排放报告的企业基本信息、排放量和数据来源表"),
    "C.03.01": ("工艺流程图、计量器具清单和上年度核查报告", "编制下一年度的温室气体排放监测计划"),
    "C.03.02": ("月度监测记录、检定证书和化验报告", "检查数据质量，列出发现的问题并提出整改措施"),
}


def _practical(i: int, element: str) -> dict:
    industry, year = INDUSTRIES[i % len(INDUSTRIES)], 2020 + (i // len(INDUSTRIES)) % 6
    materials, task = PRACTICAL_TASKS.get(element, PRACTICAL_TASKS["C.02.01"])
    return {
        "stem": f"根据提供的{industry}企业{year}年度{materials}，{task}。",
        "answer": "按核算指南完成边界确定、排放源识别、数据整理、排放量计算和报告填写。",
        "time_minutes": 60 + 15 * (i % 3), "materials": "计算器、核算指南、排放因子缺省值表、报告模板、台账复印件",
        "scoring_sheet": [{"criterion": "核算边界与排放源识别", "points": "20", "method": "遗漏一处排放源扣5分"},
                          {"criterion": "活动数据整理", "points": "25", "method": "数据或单位错误每处扣5分"},
                          {"criterion": "排放量计算", "points": "40", "method": "每处计算错误扣10分"},
                          {"criterion": "报告填写规范", "points": "15", "method": "格式不规范每处扣3分"}],
        "rubric": "总分100分，60分合格。",
    }


def generate(rng: random.Random, theory: int, practical: int, *, elements=ELEMENTS,
             seen: set[str] | None = None) -> list[exchange.Parsed]:
    """``theory`` theory items spread over the units by weight and ``practical`` tasks, ready for write_items.
    ``seen`` holds the stems already in the bank (pass the same set to add to a bank without repeating one)."""
    seen = set() if seen is None else seen
    parsed: list[exchange.Parsed] = []
    theory_units = [u for u in UNIT_WEIGHT if u[0] in "AB"]
    for unit in theory_units:
        unit_elements = [e for e in elements if e[0].startswith(unit + ".")]
        share = round(theory * UNIT_WEIGHT[unit] / 100)
        for j, e in enumerate(unit_elements):
            count = share // len(unit_elements) + (1 if j < share % len(unit_elements) else 0)
            for kind, raw in _stem_variants(rng, unit, e[0], count, seen):
                parsed.append(_parsed(rng, kind, e[0], raw))
    del parsed[theory:]  # per-unit rounding may give one or two more
    practical_elements = [e[0] for e in elements if e[0].startswith("C.")]
    per_element = []  # by unit weight, then evenly over the unit's elements
    for unit in (u for u in UNIT_WEIGHT if u.startswith("C")):
        unit_elements = [e for e in practical_elements if e.startswith(unit + ".")]
        share = round(practical * UNIT_WEIGHT[unit] / 100)
        per_element += [unit_elements[j % len(unit_elements)] for j in range(share)]
    per_element = per_element or practical_elements  # fewer tasks than units: round robin
    i = 0
    while sum(p.meta["type"] == ItemType.PRACTICAL for p in parsed) < practical:
        code = per_element[i % len(per_element)]
        raw = _practical(i, code)
        i += 1
        if raw["stem"] not in seen:
            seen.add(raw["stem"])
            parsed.append(_parsed(rng, ItemType.PRACTICAL, code, raw))
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
    item.empirical_difficulty = round(min(0.95, max(0.15, rng.gauss(0.9 - 0.1 * item.difficulty, 0.08))), 2)
    item.discrimination = round(min(0.75, max(0.05, rng.gauss(0.38, 0.1))), 2)


def _approve_in_bulk(bank: Bank, reviewer: User, rng: random.Random) -> None:
    """Load the generated items' historical reviews (all four §7.2.4 points met) and their statistics. The items
    move draft → submitted → in review → approved in three bulk steps, each one a legal move (issue #21 item 2)."""
    items = list(Item.objects.filter(bank=bank, status=ItemStatus.DRAFT).select_related("current_version"))
    ItemReview.objects.bulk_create([
        ItemReview(item=i, version=i.current_version, reviewer=reviewer, checklist=dict.fromkeys("abcd", True),
                   decision=ReviewDecision.APPROVE, comments="符合命题规范。") for i in items], batch_size=500)
    loaded = Item.objects.filter(pk__in=[i.pk for i in items])
    for step in (ItemStatus.SUBMITTED, ItemStatus.IN_REVIEW, ItemStatus.APPROVED):
        transition_many(loaded, step, reviewer=reviewer)
    for i in items:
        sample_statistics(i, rng)
    Item.objects.bulk_update(items, ["empirical_difficulty", "discrimination"], batch_size=500)


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
    banks, stems = {}, {}
    for number, theory, practical in ((4, 1200, 60), (3, 420, 18)):
        stems[number] = set()
        bank = services.bank_create(actor=manager, body=body, occupation=occ, trade=trade,
                                    level=Level.objects.get(number=number))
        _blueprint(bank, manager)
        exchange.write_items(actor=importer, bank_id=bank.pk, source="demo", file_name="历年题库整理.xlsx",
                             parsed=generate(rng, theory, practical, seen=stems[number]))
        _approve_in_bulk(bank, reviewer, rng)
        _accept_and_release(bank, manager, panel, timezone.localdate() - dt.timedelta(days=40), 1)
        banks[number] = bank
    _workflow_examples(banks[4], writer, reviewer, rng, stems[4])
    return banks[4]


def _workflow_examples(bank: Bank, writer: User, reviewer: User, rng: random.Random, seen: set[str]) -> None:
    """A few items by demo_item_writer in every state before acceptance."""
    samples = generate(rng, 12, 1, seen=seen)
    made = [services.item_create(actor=writer, bank_id=bank.pk, meta=p.meta, content=p.content) for p in samples]
    first = made[0]
    changed = {**services.item_content(actor=writer, item=first, purpose="demo")}
    changed["explanation"] = changed.get("explanation", "") + "（已根据审题意见补充依据条款。）"
    services.item_edit(actor=writer, item_id=first.pk, meta={f: getattr(first, f) for f in META_FIELDS},
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
