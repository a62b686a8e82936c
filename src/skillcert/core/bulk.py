"""A lean multi-row INSERT for large imports, where Django's bulk_create spends most of its time
preparing each value through several layers. Use only for rows whose primary keys the caller does
not need back, and only inside a transaction the caller controls; it sends no signals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

PLAIN = {"CharField", "TextField", "BooleanField", "IntegerField", "PositiveIntegerField",
         "PositiveSmallIntegerField", "SmallIntegerField", "BigIntegerField"}


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.ForeignKey) or field.get_internal_type() in PLAIN:
        return lambda value: value
    return lambda value, f=field: f.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 1000) -> int:
    """INSERT every object (auto_now fields filled, validators not run). Returns the row count."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    converters = [(f.attname, _converter(f)) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Identifiers come from the model definition and are quoted; every value is a bound parameter
    # (or, on PostgreSQL, a COPY row, which is not parsed as SQL at all).
    for obj in objs:
        for f in auto:
            f.pre_save(obj, add=True)
    rows = ([conv(getattr(obj, attname)) for attname, conv in converters] for obj in objs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(objs)
        # One multi-row INSERT per chunk, under SQLite's bound-parameter limit (32,766).
        per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        step = max(1, min(batch_size, 30000 // len(fields)))
        for start in range(0, len(objs), step):
            chunk = [next(rows) for _ in range(min(step, len(objs) - start))]
            params = [value for row in chunk for value in row]
            values = ", ".join([per_row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608
    return len(objs)
