"""Blueprint and item import/export (§7.2.2.2–7.2.2.4): Excel all or nothing with row errors; QTI 3.0
round trip; QTI 2.1 read."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from skillcert.core.models import AuditEntry
from skillcert.itembank import blueprints, exchange, services
from skillcert.itembank.models import Item, ItemVersion

from .conftest import blueprint_rows, write_item

pytestmark = pytest.mark.django_db


def _sheet(rows, headers=exchange.HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(**kw):
    base = dict(type="单选题", stem="题干", A="甲", B="乙", C="丙", D="丁", E="", F="", answer="B", difficulty=3,
                element="B.01.01", explanation="", rubric="", seconds=60, source="", enemy="", minutes="",
                materials="", sheet="")
    base.update(kw)
    return list(base.values())


def test_excel_import_is_all_or_nothing_with_every_row_error_named(bw):
    data = _sheet([_row(stem="第一题"), _row(answer="G"), _row(type="论述题"), _row(element="X.01.01"),
                   _row(type="判断题", answer="也许", A="", B="", C="", D=""), _row(difficulty=9)])
    result = exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=data)
    assert not result.ok and result.created == 0
    found = {(e.row, e.column[0]) for e in result.errors}
    assert {(3, "I"), (4, "A"), (5, "K"), (6, "I"), (7, "J")} <= found
    assert "答案“G”不在选项" in next(e.message for e in result.errors if e.row == 3)
    assert not Item.objects.exists() and not ItemVersion.objects.exists()


def test_excel_import_writes_drafts_sealed_and_audited_once(bw):
    data = _sheet([_row(stem=f"第{i}题") for i in range(30)] + [
        _row(type="实操题", stem="完成核算", A="", B="", C="", D="", answer="按指南完成", element="C.02.01",
             minutes=60, sheet="计算 | 70 | 错一处扣10分\n报告 | 30 | 规范")])
    result = exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=data, file_name="a.xlsx")
    assert result.ok and result.created == 31 and result.codes == ("T000001", "P000031")
    assert Item.objects.filter(status="draft", author=bw.writer).count() == 31
    item = Item.objects.get(code="T000005")
    assert services.item_content(actor=bw.writer, item=item)["stem"] == "第4题"
    assert AuditEntry.objects.filter(action="itembank.item.imported").count() == 1


def test_import_refused_without_an_approved_blueprint(bw):
    from skillcert.catalog.models import Level

    other = services.bank_create(actor=bw.manager, body=bw.world.body, occupation=bw.world.occupation,
                                 trade=bw.bank.trade, level=Level.objects.get(number=3))
    with pytest.raises(ValidationError, match="细目表"):
        exchange.import_xlsx(actor=bw.writer, bank_id=other.pk, data=_sheet([_row()]))


def test_export_then_import_round_trips_through_the_excel_layout(bw):
    items = [write_item(bw, content={"stem": f"导出题{i}"}) for i in range(3)]
    rows = [(i, services.item_content(actor=bw.manager, item=i)) for i in items]
    for i in items:
        i.refresh_from_db()
    data = exchange.xlsx_export(rows, watermark="测试水印")
    result = exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=data)
    assert result.ok and result.created == 3
    new = Item.objects.order_by("-pk")[:3]
    stems = sorted(services.item_content(actor=bw.writer, item=i)["stem"] for i in new)
    assert stems == ["导出题0", "导出题1", "导出题2"]


def _qti_items(bw):
    write_item(bw, content={"stem": "单选：排放量等于？"})
    write_item(bw, meta={"type": "multiple"}, content={"stem": "多选题", "answer": "AC"})
    write_item(bw, meta={"type": "judge", "element_code": "A.03.01"}, content={"stem": "CH₄的GWP为28。", "options": [],
                                                                              "answer": "正确"})
    write_item(bw, meta={"type": "fill"}, content={"stem": "烟煤的碳氧化率缺省值为____。", "options": [],
                                                   "answer": "98%", "rubric": ""})
    write_item(bw, meta={"type": "short"}, content={"stem": "简述监测计划的内容。\n第二段。", "options": [],
                                                    "answer": "排放源、监测频次", "rubric": "每点2分"})
    items = list(Item.objects.order_by("pk"))
    return [(i, services.item_content(actor=bw.manager, item=i)) for i in items]


def test_qti_round_trip_keeps_type_stem_options_answer_rubric_and_metadata(bw):
    rows = _qti_items(bw)
    package = exchange.qti_export(rows, watermark="QTI 水印")
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        manifest = zf.read("imsmanifest.xml").decode()
        assert "imsqti_item_xmlv3p0" in manifest and "QTI 水印" in manifest
        first = zf.read(f"items/{rows[0][0].code}.xml").decode()
        assert "qti-choice-interaction" in first and 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"' in first
    result = exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=package)
    assert result.ok, result.errors
    imported = list(Item.objects.order_by("pk"))[len(rows):]
    for (old, old_content), new in zip(rows, imported, strict=True):
        assert (new.type, new.element_code, new.difficulty) == (old.type, old.element_code, old.difficulty)
        new_content = services.item_content(actor=bw.manager, item=new)
        for key in ("stem", "options", "answer", "rubric", "explanation"):
            assert new_content.get(key) == old_content.get(key), key


QTI21_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="moodle-1" title="q" adaptive="false"
  timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>choice_2</value></correctResponse>
  </responseDeclaration>
  <itemBody>
    <p>下列哪种气体不属于《京都议定书》控制的温室气体？</p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="1">
      <simpleChoice identifier="choice_1">二氧化碳</simpleChoice>
      <simpleChoice identifier="choice_2">一氧化碳</simpleChoice>
      <simpleChoice identifier="choice_3">甲烷</simpleChoice>
    </choiceInteraction>
  </itemBody>
</assessmentItem>"""
QTI21_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m1"><organizations/><resources>
<resource identifier="moodle-1" type="imsqti_item_xmlv2p1" href="q1.xml"><file href="q1.xml"/></resource>
<resource identifier="bad" type="imsqti_item_xmlv2p1" href="missing.xml"/>
</resources></manifest>"""


def _package(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_a_foreign_qti21_package_imports_with_the_default_element_or_not_at_all(bw):
    good = _package({"imsmanifest.xml": QTI21_MANIFEST.replace(
        '<resource identifier="bad" type="imsqti_item_xmlv2p1" href="missing.xml"/>', ""), "q1.xml": QTI21_ITEM})
    result = exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=good, default_element="A.03.01")
    assert result.ok
    item = Item.objects.get()
    content = services.item_content(actor=bw.writer, item=item)
    assert item.type == "single" and content["options"] == ["二氧化碳", "一氧化碳", "甲烷"] and content["answer"] == "B"
    bad = _package({"imsmanifest.xml": QTI21_MANIFEST, "q1.xml": QTI21_ITEM})
    result = exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=bad, default_element="A.03.01")
    assert not result.ok and "missing.xml" in result.errors[0].column
    assert Item.objects.count() == 1  # nothing more written


def test_an_xml_bomb_is_refused(bw):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            '<manifest>&lol2;</manifest>')
    with pytest.raises(ValidationError):
        exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=_package({"imsmanifest.xml": bomb}))


def test_blueprint_checks_weights_hierarchy_and_importance():
    rows = blueprint_rows()
    assert blueprints.check(rows) == []
    broken = blueprint_rows()
    broken[1].weight = Decimal(5)  # A.01: units of A no longer add up to 20
    next(r for r in broken if r.code == "B.01.01").importance = ""
    broken.append(blueprints.NodeRow("E.01", "孤儿单元", "", Decimal(10), "", 99))
    messages = " ".join(m for _r, m in blueprints.check(broken))
    assert "“B.01.01”须注明重要程度" in messages and "“E.01”的上级“E”不存在" in messages


def test_blueprint_excel_round_trip_makes_a_new_version_and_leaves_the_old_one(bw):
    old = bw.bank.blueprints.get()
    data = blueprints.export_bytes(old)
    assert load_workbook(io.BytesIO(data)).worksheets[0].cell(2, 1).value == "A"
    new = blueprints.blueprint_import(actor=bw.manager, bank_id=bw.bank.pk, data=data, note="第二版")
    assert new.version == 2 and new.approved_at is None
    assert list(new.nodes.values_list("code", "weight")) == list(old.nodes.values_list("code", "weight"))
    assert old.nodes.count() == new.nodes.count()
    broken = _sheet([["A", "基础知识", "基础知识", 20, ""], ["A.01", "职业道德", "", "很多", ""]],
                    headers=blueprints.HEADERS)
    with pytest.raises(ValidationError, match="第3行"):
        blueprints.blueprint_import(actor=bw.manager, bank_id=bw.bank.pk, data=broken)
    assert bw.bank.blueprints.count() == 2


# --- Trust (issue #20): the formula guard undone on import, the template's examples, upload bombs ------------

TRICKY = ["-3", "=SUM(A1)", "'quoted", "+86", "@x", "'-already quoted"]


def test_tricky_texts_survive_export_then_import_unchanged(bw):
    """xlsx_export writes '-3 so a spreadsheet does not run it; import_xlsx takes exactly that apostrophe off."""
    item = write_item(bw, content={"stem": "=SUM(A1) 是什么？", "options": TRICKY[:4], "answer": "A",
                                   "explanation": "@x"})
    rows = [(item, services.item_content(actor=bw.manager, item=item))]
    item.refresh_from_db()
    data = exchange.xlsx_export(rows, watermark="水印")
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    written = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert written[1] == "'=SUM(A1) 是什么？" and written[2] == "'-3"  # guarded in the file
    result = exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=data)
    assert result.ok, result.errors
    new = services.item_content(actor=bw.writer, item=Item.objects.order_by("-pk").first())
    assert new["stem"] == "=SUM(A1) 是什么？" and new["options"] == TRICKY[:4] and new["explanation"] == "@x"


def test_the_template_s_example_rows_are_refused_by_row(bw):
    template = load_workbook(io.BytesIO(exchange.template_bytes())).worksheets[0]
    examples = [[c.value for c in r] for r in template.iter_rows(min_row=2, max_row=3)]
    result = exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=_sheet([*examples, _row()]))
    assert not result.ok and [(e.row, e.column) for e in result.errors] == [(2, "B（题干）"), (3, "B（题干）")]
    assert all("示例" in e.message for e in result.errors) and not Item.objects.exists()


def test_an_item_sheet_claiming_millions_of_rows_is_refused_fast(bw):
    import time

    from tests.core.test_limits import _base_workbook, _cell, _zip

    members = _base_workbook()
    head = "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(exchange.HEADERS))
    members["xl/worksheets/sheet1.xml"] = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{head}</row><row r="4000000">{_cell("A4000000", "单选题")}</row></sheetData>'
        '</worksheet>').encode()
    started = time.monotonic()
    with pytest.raises(ValidationError, match="含空行"):
        exchange.import_xlsx(actor=bw.writer, bank_id=bw.bank.pk, data=_zip(members))
    assert time.monotonic() - started < 5 and not Item.objects.exists()


def _manifest(hrefs) -> str:
    resources = "".join(f'<resource identifier="r{i}" type="imsqti_item_xmlv2p1" href="{h}"/>'
                        for i, h in enumerate(hrefs))
    return ('<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
            f"<organizations/><resources>{resources}</resources></manifest>")


def test_a_manifest_pointing_many_resources_at_one_member_reads_it_once(bw, monkeypatch):
    reads = []
    real_read = zipfile.ZipFile.read
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: reads.append(
        getattr(name, "filename", name)) or real_read(self, name, pwd))
    data = _package({"imsmanifest.xml": _manifest(["q1.xml"] * 25), "q1.xml": QTI21_ITEM})
    result = exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=data, default_element="A.03.01")
    assert reads.count("q1.xml") == 1
    assert not result.ok and [e.row for e in result.errors] == list(range(2, 26))
    assert "与第 1 道试题指向同一个文件" in result.errors[0].message and not Item.objects.exists()


def test_a_package_with_an_oversized_or_bomb_member_is_refused_before_inflating(bw):
    padded = QTI21_ITEM.replace("<p>", "<p>" + "<!-- pad -->" * 200_000, 1)  # 2.4 MB of XML
    result = exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, default_element="A.03.01",
                                 data=_package({"imsmanifest.xml": _manifest(["q1.xml"]), "q1.xml": padded}))
    assert not result.ok and "超过 1 MB" in result.errors[0].message
    from tests.core.test_limits import _zip

    zeros = _zip({"imsmanifest.xml": _manifest(["q1.xml"]).encode(), "q1.xml": QTI21_ITEM.encode(),
                  "media/zero.bin": b"\0" * (10 * 1024 * 1024)})
    assert len(zeros) < 50_000
    with pytest.raises(ValidationError, match="压缩比"):
        exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk, data=zeros)
    with pytest.raises(ValidationError, match="超过一次最多导入"):
        exchange.import_qti(actor=bw.writer, bank_id=bw.bank.pk,
                            data=_package({"imsmanifest.xml": _manifest([f"q{i}.xml" for i in range(20001)])}))
    assert not Item.objects.exists()


def test_an_attachment_of_a_hundred_megapixels_is_refused_from_its_header(bw):
    from tests.core.test_limits import png_header_only
    from tests.factories import upload

    item = write_item(bw)
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=bw.writer, item_id=item.pk,
                                upload=upload("big.png", png_header_only(10000, 10000)))
    assert "10000×10000" in exc.value.message_dict["file"][0] and not item.attachments.exists()
