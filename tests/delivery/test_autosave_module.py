"""The autosave upsert sits behind one small documented module (issue #21 item 8): ``delivery/autosave.py`` is the
only source that writes answers by SQL, and its docstring states the guarantees the tests of test_delivery.py,
test_pause.py and test_saves_property.py check (idempotent by client sequence, nothing lost, paused rooms refused)."""

from __future__ import annotations

import re
from pathlib import Path

from skillcert.delivery import autosave, services

SRC = Path(__file__).resolve().parents[2] / "src" / "skillcert"
WRITES_ANSWERS = re.compile(r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+delivery_answer\b", re.IGNORECASE)


def test_only_the_autosave_module_writes_answers_by_sql():
    writers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if WRITES_ANSWERS.search(p.read_text("utf-8")))
    assert writers == ["delivery/autosave.py"]


def test_the_autosave_module_documents_its_guarantees_and_stays_small():
    doc = autosave.__doc__
    for guarantee in ("Idempotent by client sequence", "No lost answer", "Pause refusal", "FOR UPDATE"):
        assert guarantee in doc
    assert len(Path(autosave.__file__).read_text("utf-8").splitlines()) <= 250


def test_the_service_entry_point_is_the_autosave():
    assert "delivery.autosave" in services.answers_save.__doc__
    assert autosave.answers_save.__module__ == "skillcert.delivery.autosave"
