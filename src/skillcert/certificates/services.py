"""Certificate services (§6.6, §8): permission → validate → lock → write → audit, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from skillcert.core.errors import ValidationError

from . import numbering
from .models import CertificateSequence


def allocate_numbers(*, body, year: int, level: int, count: int = 1) -> list[str]:
    """``count`` consecutive certificate numbers for ``body``, ``year`` (4 digits) and ``level`` (§8.1.1).

    Must run inside the transaction that issues the certificates: the sequence row stays locked until it
    commits, and a rollback gives the numbers back, so the sequence has no gaps and no number is used twice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_numbers must run inside the issuing transaction")
    prefix = body.certificate_prefix
    try:
        numbering.compose(prefix, year, level, 1)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if count < 1:
        raise ValidationError(_("发证数量至少为 1。"))
    # The first issue of a year and level creates the row; get_or_create settles a race for it in a savepoint.
    CertificateSequence.objects.get_or_create(body=body, year=year, level=level)
    row = CertificateSequence.objects.select_for_update().get(body=body, year=year, level=level)
    if row.last + count > numbering.MAX_SEQUENCE:
        raise ValidationError(_("%(year)s 年该等级的证书顺序号已不足 %(n)s 个。") % {"year": year, "n": count})
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return [numbering.compose(prefix, year, level, seq) for seq in range(first, first + count)]
