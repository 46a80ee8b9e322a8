"""Domain errors raised by services, mapped to HTTP status codes in one place (app.main)."""

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409

    def __init__(self, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.extra = extra or {}  # more of the answer beside "detail": {"checklist": {...}}


class Unauthorized(DomainError):
    status_code = 401


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


UNAVAILABLE = "系统繁忙或数据库暂时无法连接，请稍后重试；已填写的内容未保存"


class Unavailable(DomainError):
    """Busy or unreachable just now: try again shortly (503 with Retry-After)."""

    status_code = 503

    def __init__(self, message: str = UNAVAILABLE):
        super().__init__(message)


class Invalid(DomainError):
    """Input that breaks a rule. `errors` uses FastAPI's shape: loc, msg, type."""

    status_code = 422

    def __init__(self, errors: list[dict[str, Any]], extra: dict[str, Any] | None = None):
        super().__init__("; ".join(e["msg"] for e in errors))
        self.errors = errors
        self.extra = extra or {}  # more of the answer beside "detail": {"error_count": 1234}

    @classmethod
    def one(cls, loc: list[str | int], msg: str, type_: str = "value_error") -> "Invalid":
        return cls([{"loc": loc, "msg": msg, "type": type_}])


def error(loc: list[str | int], msg: str, type_: str = "value_error") -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": type_}
