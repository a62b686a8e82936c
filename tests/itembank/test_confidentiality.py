"""Confidentiality (§7.3.2, §10.2, §10.9): content sealed at rest, key rotation, tamper detection,
exports approved by another bank manager and watermarked."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from skillcert.accounts.enums import Role
from skillcert.core.crypto import SealError, keyring
from skillcert.core.models import AuditEntry
from skillcert.itembank import services
from skillcert.itembank.enums import ExportFormat, ItemStatus
from skillcert.itembank.models import ItemAttachment, ItemVersion
from tests.factories import png_bytes, upload, user_with_role

from .conftest import SINGLE, SINGLE_CONTENT, write_item

pytestmark = pytest.mark.django_db
SECRET_STEM = "保密题干：某电厂燃煤消耗量为8848吨（独一无二的标记）"


def _raw_dump() -> str:
    """Every value of every table, as a database dump would hold it."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 — introspected names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        out.append(bytes(value).decode("utf-8", "ignore"))
                    else:
                        out.append(str(value))
    return "\n".join(out)


def test_a_raw_database_dump_holds_no_item_text_but_metadata_stays_searchable(bw):
    item = write_item(bw, content={"stem": SECRET_STEM, "explanation": "解析中的秘密答案依据XYZ"})
    services.item_edit(actor=bw.writer, item_id=item.pk, meta={**SINGLE, "difficulty": 4},
                       content={**SINGLE_CONTENT, "stem": SECRET_STEM + "（修订）"})
    services.item_content(actor=bw.reviewer, item=item)
    dump = _raw_dump()
    assert "8848吨" not in dump and "秘密答案依据XYZ" not in dump and SINGLE_CONTENT["options"][2] not in dump
    assert "B.01.01" in dump  # metadata is plain
    assert keyring().active_id in dump  # key ids are stored …
    key_text = Path(settings.SKILLCERT_ITEM_KEY).read_text().split()[-1]
    assert key_text not in dump  # … keys never


def test_a_ciphertext_moved_to_another_row_or_altered_does_not_open(bw):
    a, b = write_item(bw), write_item(bw)
    va, vb = a.current_version, b.current_version
    ItemVersion.objects.filter(pk=vb.pk).update(sealed=va.sealed)
    b.refresh_from_db()
    with pytest.raises(SealError):
        services.item_content(actor=bw.manager, item=b)
    tampered = bytearray(bytes(va.sealed))
    tampered[-1] ^= 1
    ItemVersion.objects.filter(pk=va.pk).update(sealed=bytes(tampered))
    a.refresh_from_db()
    with pytest.raises(SealError):
        services.item_content(actor=bw.manager, item=a)


def test_key_rotation_reseals_everything_and_retires_the_old_key(bw):
    item = write_item(bw)
    att = services.attachment_add(actor=bw.writer, item_id=item.pk, upload=upload("fig.png", png_bytes(40, 30)))
    old_id = keyring().active_id
    old_sealed = bytes(item.current_version.sealed)
    call_command("rotate_item_key", "--retire", stdout=io.StringIO())
    ring = keyring()
    assert ring.active_id != old_id and list(ring.keys) == [ring.active_id]
    item.refresh_from_db()
    version = item.current_version
    assert version.key_id == ring.active_id and bytes(version.sealed) != old_sealed
    assert services.item_content(actor=bw.manager, item=item)["stem"] == SINGLE_CONTENT["stem"]
    att.refresh_from_db()
    assert services.attachment_bytes(actor=bw.manager, attachment=att) == png_bytes(40, 30)
    assert AuditEntry.objects.filter(action="itembank.key.rotated").exists()


def test_attachments_are_images_only_and_sealed(bw):
    item = write_item(bw)
    with pytest.raises(ValidationError):
        services.attachment_add(actor=bw.writer, item_id=item.pk, upload=upload("x.pdf", b"%PDF-1.4 nope"))
    att = services.attachment_add(actor=bw.writer, item_id=item.pk, upload=upload("fig.png", png_bytes(40, 30)))
    assert png_bytes(40, 30)[:64] not in bytes(ItemAttachment.objects.get(pk=att.pk).sealed)
    services.item_edit(actor=bw.writer, item_id=item.pk, meta=SINGLE,
                       content={**SINGLE_CONTENT, "attachments": [att.pk]})
    other = write_item(bw)
    with pytest.raises(ValidationError) as exc:  # an item only shows its own figures
        services.item_edit(actor=bw.writer, item_id=other.pk, meta=SINGLE,
                           content={**SINGLE_CONTENT, "attachments": [att.pk]})
    assert "attachments" in exc.value.message_dict


def _export(bw, requester, fmt=ExportFormat.XLSX):
    return services.export_request(actor=requester, bank_id=bw.bank.pk, format=fmt,
                                   statuses=[ItemStatus.DRAFT], reason="移交省题库备份")


def test_exports_need_another_bank_managers_approval_and_carry_a_watermark(bw):
    write_item(bw, content={"stem": SECRET_STEM})
    req = _export(bw, bw.manager)
    with pytest.raises(ValidationError, match="另一位"):
        services.export_decide(actor=bw.manager, export_id=req.pk, approve=True)
    with pytest.raises(PermissionDenied):
        services.export_decide(actor=bw.reviewer, export_id=req.pk, approve=True)
    with pytest.raises(ValidationError):  # not yet approved
        services.export_build(actor=bw.manager, export_id=req.pk)
    second = user_with_role(Role.BANK_MANAGER, bw.world.body, username="manager2", full_name="第二管理员")
    services.export_decide(actor=second, export_id=req.pk, approve=True)
    with pytest.raises(PermissionDenied):  # only the requester downloads
        services.export_build(actor=second, export_id=req.pk)
    data, _name, _mime = services.export_build(actor=bw.manager, export_id=req.pk)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.cell(row=2, column=2).value == SECRET_STEM
    assert "张管理" in ws.oddHeader.center.text and "bank_manager" in ws.oddFooter.center.text
    assert "导出人：张管理" in wb.properties.description and "张管理" in wb.worksheets[1].cell(1, 1).value
    entry = AuditEntry.objects.filter(action="itembank.export.downloaded").get()
    assert entry.actor_id == bw.manager.pk and entry.data["items"] == 1
    assert AuditEntry.objects.filter(action="itembank.item.content_read_bulk", actor_id=bw.manager.pk).exists()


def test_an_approved_export_expires(bw):
    write_item(bw)
    req = _export(bw, bw.reviewer)
    services.export_decide(actor=bw.manager, export_id=req.pk, approve=True)
    req.refresh_from_db()
    req.decided_at -= dt.timedelta(hours=25)
    req.save()
    with pytest.raises(ValidationError, match="有效期"):
        services.export_build(actor=bw.reviewer, export_id=req.pk)


def test_writers_cannot_ask_for_exports(bw):
    with pytest.raises(PermissionDenied):
        _export(bw, bw.writer)
