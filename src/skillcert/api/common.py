"""What the three django-ninja APIs share (issue #21 item 6: one API style).

Each API (exam, verify, the supervising platform) keeps the error body it always had, but every status an
operation can answer is declared in its ``response={...}`` with that body's schema, and every exception handler
answers a body that matches the schema: the OpenAPI is the whole contract. ``tests/api/test_openapi_statuses.py``
checks the declarations against what the code can raise, and ``tests/api/test_schemathesis.py`` checks the
running APIs against the declarations.

Ninja's own request validation (a body or parameter of the wrong type, 422) answers in the API's own error
shape with a Chinese message naming the field, instead of pydantic's English list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import ValidationError as RequestInvalid
from ninja.renderers import JSONRenderer

__all__ = ["ReadableJSON", "RequestInvalid", "request_errors"]

# pydantic error types → a short Chinese reason; anything else is "格式不正确".
_INTEGER, _BOOLEAN, _OBJECT = gettext_lazy("应为整数"), gettext_lazy("应为 true 或 false"), gettext_lazy("应为对象")
_DATETIME, _RANGE = gettext_lazy("应为日期时间（ISO 8601）"), gettext_lazy("超出允许范围")
_TOO_LONG = gettext_lazy("过长")
_REASONS = {
    "missing": gettext_lazy("必填"), "string_type": gettext_lazy("应为文本"), "list_type": gettext_lazy("应为列表"),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), _INTEGER),
    **dict.fromkeys(("bool_type", "bool_parsing"), _BOOLEAN),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), _OBJECT),
    **dict.fromkeys(("datetime_type", "datetime_parsing", "datetime_from_date_parsing"), _DATETIME),
    **dict.fromkeys(("greater_than_equal", "less_than_equal", "greater_than", "less_than"), _RANGE),
    **dict.fromkeys(("string_too_long", "too_long"), _TOO_LONG),
}


def request_errors(exc: RequestInvalid) -> tuple[str, dict[str, list[str]]]:
    """Ninja's 422 (a request that does not fit the declared schema) as a message naming each field and the
    same per-field dict the API's 400 answers carry. The field is the path inside the request without ninja's
    ``body``/``query``/``path`` prefix, e.g. ``saves.0.seq``."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]  # where ninja found it
        if len(loc) > 1 and loc[0] == "body":
            loc = loc[1:]  # the view's body parameter, when a field inside it is named
        name = ".".join(loc) or "body"
        fields.setdefault(name, []).append(str(_REASONS.get(error.get("type", ""), _("格式不正确"))))
    detail = "；".join(_("字段 %(field)s：%(reason)s") % {"field": k, "reason": "、".join(v)}
                      for k, v in fields.items())
    return _("请求内容不符合接口说明：") + detail, fields


class ReadableJSON(JSONRenderer):
    """JSON with Chinese left as it is (not \\u escapes), as the supervising platform's documents always were."""

    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}
