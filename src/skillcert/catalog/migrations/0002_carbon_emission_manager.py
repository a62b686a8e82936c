"""Load the five national levels and 表1 of T/QDSF 015—2022 (§4.2): 碳排放管理员 4-09-07-04."""

from django.db import migrations

LEVELS = [
    (5, "初级工", "五级", "Junior worker (Level 5)"),
    (4, "中级工", "四级", "Intermediate worker (Level 4)"),
    (3, "高级工", "三级", "Senior worker (Level 3)"),
    (2, "技师", "二级", "Technician (Level 2)"),
    (1, "高级技师", "一级", "Senior technician (Level 1)"),
]
TRADES = [
    ("碳排放监测员", "Carbon emission monitor"),
    ("碳排放核算员", "Carbon emission accountant"),
    ("碳排放核查员", "Carbon emission verifier"),
    ("碳排放交易员", "Carbon emission trader"),
    ("碳排放咨询员", "Carbon emission consultant"),
]


def load(apps, schema_editor):
    Level = apps.get_model("catalog", "Level")
    Occupation = apps.get_model("catalog", "Occupation")
    Trade = apps.get_model("catalog", "Trade")
    levels = {}
    for number, name, grade, name_en in LEVELS:
        levels[number], _ = Level.objects.update_or_create(
            number=number, defaults={"name": name, "grade_name": grade, "name_en": name_en}
        )
    occ, _ = Occupation.objects.update_or_create(
        code="4-09-07-04",
        defaults={
            "name": "碳排放管理员",
            "name_en": "Carbon emission manager",
            "description": "从事二氧化碳、甲烷和氧化亚氮等温室气体排放监测、统计核算、核查、交易和咨询等工作的人员。",
        },
    )
    occ.levels.set([levels[n] for n in (4, 3, 2, 1)])  # 表1: 中级 高级 技师 高级技师
    for order, (name, name_en) in enumerate(TRADES, start=1):
        Trade.objects.update_or_create(occupation=occ, name=name, defaults={"name_en": name_en, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
