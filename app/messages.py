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


def _translate(err: Mapping[str, Any]) -> str:
    label = label_for(err.get("loc", ()))
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "missing":
        return f"{label}为必填项"
    if kind == "extra_forbidden":
        return f"不接受字段“{label}”：请求中不能包含此字段"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return f"{label}必须是数字（例如 12.5）"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label}必须是整数"
    if kind == "greater_than_equal":
        return f"{label}不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"{label}必须大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"{label}不能大于 {ctx.get('le')}"
    if kind == "decimal_max_places":
        return f"{label}最多保留 {ctx.get('decimal_places')} 位小数"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{label}数值过大"
    if kind == "string_too_short":
        return f"{label}不能为空" if ctx.get("min_length") == 1 else f"{label}至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"{label}不能超过 {ctx.get('max_length')} 个字"
    if kind == "too_long":
        return f"{label}最多 {ctx.get('max_length')} 项"
    if kind == "string_pattern_mismatch":
        return f"{label}格式不正确"
    if kind in ("string_type",):
        return f"{label}必须是文本"
    if kind in ("bool_parsing", "bool_type"):
        return f"{label}必须是 是/否（true/false 或 1/0）"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return f"{label}必须是日期，格式 YYYY-MM-DD"
    if kind in ("enum", "literal_error"):
        return f"{label}必须是以下之一：{ctx.get('expected')}"
    if kind in ("list_type",):
        return f"{label}必须是列表"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{label}必须是对象"
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{label}：{err.get('msg')}"


def translate_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's 422 shape, with messages a Chinese-speaking officer can act on."""
    return [{"loc": list(e.get("loc", ())), "msg": _translate(e), "type": e.get("type", "value_error")}
            for e in errors]
