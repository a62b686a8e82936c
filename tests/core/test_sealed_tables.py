"""Key rotation finds what is sealed by asking the models (issue #21 item 4: ``rotate_item_key`` lives in core and
names no domain app), so a sealed table an app forgets to declare would keep its old key and become unreadable once
the old key is retired (§7.3.2, §10.9). These tests pin the declarations."""

from django.apps import apps
from django.db import models

from skillcert.core.crypto import sealed_tables


def test_key_rotation_covers_the_item_versions_attachments_sealed_papers_and_code_maps():
    assert [(m._meta.label, key, blob) for m, key, blob in sealed_tables()] == [
        ("itembank.ItemVersion", "key_id", "sealed"),
        ("itembank.ItemAttachment", "key_id", "sealed"),
        ("papers.SealedDocument", "key_id", "sealed"),
        ("grading.PracticalPanel", "map_key_id", "sealed_map"),
    ]


def test_every_model_holding_ciphertext_under_a_key_id_declares_it():
    declared = {m for m, _key, _blob in sealed_tables()}
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        keyed = any(name.endswith("key_id") for name in fields)
        binary = any(isinstance(f, models.BinaryField) for f in fields.values())
        if keyed and binary:
            assert model in declared, f"{model._meta.label} holds sealed data: declare SEALED_FIELDS"
    for model, key, blob in sealed_tables():
        assert isinstance(model._meta.get_field(blob), models.BinaryField) and callable(model.aad)
        model._meta.get_field(key)
