"""The national number of a 职业技能等级证书 (§8.1.1, §8.4.1 c): 22 characters —

    S 2087 37 000318 26 4 000123
    │ │    │  │      │  │ └ sequence, 6 digits, per body, year of issue and level, from 000001, no gaps
    │ │    │  │      │  └ level: 5 初级 · 4 中级 · 3 高级 · 2 技师 · 1 高级技师
    │ │    │  │      └ year of issue, 2 digits
    │ │    │  └ institution serial, 6 digits  ┐
    │ │    └ province code, 2 digits          │ the body's codes (``Organisation.certificate_prefix``)
    │ └ institution code, 4 digits            │
    └ body type: S social evaluation organisation, Y employer ┘

Pure: composing a number from its parts and parsing one back, with a message naming the part that is wrong.
Numbers are only ever allocated by ``services.allocate_numbers``, never typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

LENGTH = 22
BODY_TYPES = ("S", "Y")
MAX_SEQUENCE = 999_999
_PREFIX = re.compile(r"\A[SY][0-9]{12}\Z")


@dataclass(frozen=True)
class CertificateNumber:
    body_type: str
    institution_code: str
    province_code: str
    institution_serial: str
    year: int  # two digits, as printed
    level: int
    sequence: int

    @property
    def prefix(self) -> str:
        return f"{self.body_type}{self.institution_code}{self.province_code}{self.institution_serial}"

    def __str__(self) -> str:
        return compose(self.prefix, self.year, self.level, self.sequence)


def compose(prefix: str, year: int, level: int, sequence: int) -> str:
    """The 22 characters from the body's 13-character prefix, the year of issue (2 or 4 digits), the level
    number and the sequence. ValueError when a part is out of range."""
    if not _PREFIX.match(prefix or ""):
        raise ValueError(_("评价机构的证书编码不完整：需要类型字母（S/Y）、4 位机构代码、2 位省份代码和 6 位"
                           "机构序列号。"))
    if not 1 <= level <= 5:
        raise ValueError(_("等级代码应为 1 到 5。"))
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(_("顺序号应在 000001 到 999999 之间。"))
    return f"{prefix}{year % 100:02d}{level}{sequence:06d}"


def parse(number: str) -> CertificateNumber:
    """A number into its parts; ValueError naming what is malformed (for the verification page)."""
    text = (number or "").strip().upper()
    if len(text) != LENGTH:
        raise ValueError(_("证书编号应为 22 位，收到 %(n)s 位。") % {"n": len(text)})
    if text[0] not in BODY_TYPES:
        raise ValueError(_("证书编号第 1 位应为 S（社会培训评价组织）或 Y（用人单位）。"))
    if not text[1:].isdigit() or not text[1:].isascii():
        raise ValueError(_("证书编号第 2 至 22 位应为数字。"))
    level, sequence = int(text[15]), int(text[16:])
    if not 1 <= level <= 5:
        raise ValueError(_("证书编号第 16 位（等级）应为 1 到 5。"))
    if sequence == 0:
        raise ValueError(_("证书编号的顺序号不能为 000000。"))
    return CertificateNumber(body_type=text[0], institution_code=text[1:5], province_code=text[5:7],
                             institution_serial=text[7:13], year=int(text[13:15]), level=level, sequence=sequence)
