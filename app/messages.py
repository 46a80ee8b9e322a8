"""Validation messages in Chinese that name the field by its label in the catalogue."""

from collections.abc import Mapping, Sequence
from typing import Any

from app.catalogue import error_label

# Path and query parameters whose name means something else in a body.
PARAMETER_LABELS = {("path", "kind"): "导入类型"}


def label_for(loc: Sequence[str | int]) -> str:
    if len(loc) == 2 and (str(loc[0]), str(loc[1])) in PARAMETER_LABELS:
        return PARAMETER_LABELS[(str(loc[0]), str(loc[1]))]
    for part in reversed(loc):
        if isinstance(part, str) and part != "body":
            return error_label(part) or part
    return "请求内容"


# Each pydantic error type's message; {label} is the field's label, the rest come from the
# error's context (ctx).
_MESSAGES: dict[str, str] = {
    "missing": "{label}为必填项",
    "extra_forbidden": "不接受字段“{label}”：请求中不能包含此字段",
    **dict.fromkeys(("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"),
                    "{label}必须是数字（例如 12.5）"),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), "{label}必须是整数"),
    "greater_than_equal": "{label}不能小于 {ge}",
    "greater_than": "{label}必须大于 {gt}",
    "less_than_equal": "{label}不能大于 {le}",
    "decimal_max_places": "{label}最多保留 {decimal_places} 位小数",
    **dict.fromkeys(("decimal_max_digits", "decimal_whole_digits"), "{label}数值过大"),
    "string_too_long": "{label}不能超过 {max_length} 个字",
    "too_long": "{label}最多 {max_length} 项",
    "string_pattern_mismatch": "{label}格式不正确",
    "string_type": "{label}必须是文本",
    **dict.fromkeys(("bool_parsing", "bool_type"), "{label}必须是 是/否（true/false 或 1/0）"),
    **dict.fromkeys(("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"),
                    "{label}必须是日期，格式 YYYY-MM-DD"),
    **dict.fromkeys(("enum", "literal_error"), "{label}必须是以下之一：{expected}"),
    **dict.fromkeys(("datetime_parsing", "datetime_from_date_parsing", "datetime_type", "datetime_object_invalid"),
                    "{label}必须是时间，格式 ISO 8601（例如 2026-12-04T17:30:00+08:00）"),
    "timezone_aware": "{label}必须带时区（例如 +08:00 或 Z）",
    "list_type": "{label}必须是列表",
    **dict.fromkeys(("model_attributes_type", "dict_type", "model_type"), "{label}必须是对象"),
    "json_invalid": "请求内容不是有效的 JSON",
    "control_character": "{label}不能包含控制字符（例如 NUL）",
}


def _translate(err: Mapping[str, Any]) -> str:
    label = label_for(err.get("loc", ()))
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "string_too_short":
        return f"{label}不能为空" if ctx.get("min_length") == 1 else f"{label}至少 {ctx.get('min_length')} 个字符"
    if kind in ("value_error", "assertion_error"):
        # A validator's own message, already written for the person reading it.
        return str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return f"{label}：{err.get('msg')}"
    return template.format_map(_Slots(ctx, label=label))


class _Slots(dict[str, Any]):
    """A message's slots: the error's context, and nothing where the context lacks a slot."""

    def __missing__(self, key: str) -> str:
        return ""


def translate_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's 422 shape, with messages a Chinese-speaking officer can act on."""
    return [{"loc": list(e.get("loc", ())), "msg": _translate(e), "type": e.get("type", "value_error")}
            for e in errors]
