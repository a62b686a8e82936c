"""18-digit resident identity numbers (GB 11643—1999, 公民身份号码).

Layout: 6-digit address code (行政区划代码) · 8-digit birth date YYYYMMDD · 3-digit sequence
(odd for men, even for women) · 1 check character (ISO 7064 MOD 11-2; ``X`` stands for 10).
Used to validate candidate sign-up and bulk registration rows (§6.1.3 a).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11
# First two digits: the province-level codes of GB/T 2260 (11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
})
_SHAPE = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: dt.date
    sequence: str

    @property
    def sex(self) -> str:
        return "male" if int(self.sequence[-1]) % 2 else "female"


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(value: str) -> str:
    """Trim spaces (including full-width ones pasted from documents) and upper-case a trailing x."""
    return re.sub(r"[\s\u3000]", "", value or "").upper()


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and parse; raise ValidationError with a message that says what is wrong."""
    number = normalise(value)
    if len(number) != 18:
        raise ValidationError(_("居民身份证号码应为18位，当前为%(n)d位。") % {"n": len(number)}, code="length")
    if not _SHAPE.match(number):
        raise ValidationError(_("居民身份证号码前17位应为数字，最后一位为数字或X。"), code="shape")
    region = number[:6]
    if region[:2] not in PROVINCE_CODES or region[2:] == "0000":
        raise ValidationError(_("居民身份证号码的前6位“%(code)s”不是有效的行政区划代码。") % {"code": region},
                              code="region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("居民身份证号码中的出生日期“%(d)s”不存在。") % {"d": number[6:14]},
                              code="birth_date") from None
    today = today or dt.date.today()
    if not EARLIEST_BIRTH <= birth <= today:
        raise ValidationError(_("居民身份证号码中的出生日期“%(d)s”不合理。") % {"d": birth.isoformat()},
                              code="birth_date")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(_("居民身份证号码校验位不正确，请核对是否输错。"), code="checksum")
    return ResidentId(number=number, region_code=region, birth_date=birth, sequence=number[14:17])


def validate_resident_id(value: str) -> None:
    """Django field validator."""
    parse_resident_id(value)


def mask_id(number: str) -> str:
    """Keep the region and the last four characters; enough to match the card in hand (A.2.4). Every face and
    document that shows an ID number to someone other than its holder shows it masked this way."""
    return number if len(number) < 10 else number[:6] + "*" * (len(number) - 10) + number[-4:]
