"""UI in Simplified Chinese by default, English available (issue #2 §1): the catalogue is complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.conftest import need

PKG = Path(__file__).resolve().parents[1] / "src" / "skillcert"
PO = PKG / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_english_message_is_translated():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def _pairs(entries) -> set:
    return {(e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items())))
            for e in entries if e.msgid and not e.obsolete}


def test_compiled_catalogue_matches_the_po_file():
    po, mo = _pairs(polib.pofile(str(PO))), _pairs(polib.mofile(str(MO)))
    assert po == mo, "run `make messages` to recompile django.mo"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh (xgettext) from a copy of the package and compare with the .po."""
    need(shutil.which("xgettext") is not None, "needs GNU gettext (apt-get install gettext)")
    copy = tmp_path / "skillcert"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    (tmp_path / "i18n_settings.py").write_text("SECRET_KEY = 'x'\nUSE_I18N = True\nINSTALLED_APPS = []\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "i18n_settings"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "--no-obsolete"],
                   cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
             if not e.obsolete}
    known = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    assert sorted(fresh - known) == [], "new strings: run `make messages` and translate them"


@pytest.mark.django_db
def test_language_switch_changes_the_page_language(client):
    assert "工作人员登录" in client.get(reverse("accounts:login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Staff login" in page
    assert 'lang="en"' in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-CN"' in client.get(reverse("accounts:login")).content.decode()
