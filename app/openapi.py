"""What each API operation can answer, written into its OpenAPI entry from what the operation is:
a client generated from the document, and schemathesis reading it, know every status code."""

from typing import Any

from fastapi import FastAPI

from app.db import SAFE_METHODS

ANSWERS = {
    400: "请求无法解析（例如损坏的 multipart 表单）",
    401: "需要登录：令牌缺失、无效或已过期",
    403: "无权执行此操作",
    404: "不存在，或不在您的管辖范围内",
    409: "与当前状态冲突（例如本周已锁定、已上报、名称已存在），未保存",
    413: "请求内容过大：上传文件不超过 50 MB，其他请求不超过 1 MB",
    422: "请求有误：detail 列出每一处（loc、msg），未保存",
    429: "尝试过多，请稍后再试（见 Retry-After）",
    503: "数据库暂时不可用或正忙，请稍后重试（见 Retry-After）；未保存",
}

_MESSAGE = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
_ERRORS = {"type": "object", "properties": {"detail": {"type": "array", "items": {
    "type": "object", "properties": {"loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                                     "msg": {"type": "string"}, "type": {"type": "string"}}}}}}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of error answers `codes`, for a route's `responses`."""
    return {code: {"description": ANSWERS[code],
                   "content": {"application/json": {"schema": _ERRORS if code == 422 else _MESSAGE}}}
            for code in codes}


def with_answers(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation of an OpenAPI document lists the error answers it can give: 422 and 503
    always (any parameter may be refused; the database may be away), 401 and 403 where it needs a
    token (and 404: out of scope), 404 where its path names something, 400, 409 and 413 where it writes. Entries an
    operation declares itself stay."""
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            codes = {422, 503}
            if operation.get("security"):  # 404: out of the caller's scope, or not there at all
                codes |= {401, 403, 404}
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                codes.add(404)
            if method.upper() not in SAFE_METHODS:
                codes |= {400, 409, 413}
            for code, entry in answers(*sorted(codes)).items():
                operation.setdefault("responses", {}).setdefault(str(code), entry)
    return document


def document_answers(app: FastAPI) -> None:
    """The app's OpenAPI document, with_answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return with_answers(generate())

    app.openapi = openapi  # type: ignore[method-assign]
