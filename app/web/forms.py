"""HTML forms post to the same models the API uses: dotted field names become nested bodies,
and validation errors come back keyed by those names for the template."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.errors import Invalid
from app.messages import translate_errors


@dataclass
class FormField:
    name: str  # dotted: "industry.planned_funds_wan"
    label: str
    kind: str  # wan, int, text, choice, date, lines
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for kind "choice"
    when: str | None = None  # "industry.has_project=true"
    wide: bool = False

    @property
    def dom_id(self) -> str:
        return self.name.replace(".", "-")


@dataclass
class FormSection:
    key: str
    title: str
    fields: list[FormField] = field(default_factory=list)


NUMERIC = {"wan", "int"}


def nested(form: FormData, fields: list[FormField]) -> dict[str, Any]:
    """The request body a form stands for. Empty numbers are left out ("无计划填零": the model's
    zero applies); a textarea of names is one name a line."""
    kinds = {f.name: f.kind for f in fields}
    body: dict[str, Any] = {}
    for name, kind in kinds.items():
        if name not in form:
            continue
        raw = form.get(name)
        value: Any = raw.strip() if isinstance(raw, str) else raw
        if kind in NUMERIC and value == "":
            continue
        if kind == "date" and value == "":
            value = None
        if kind == "lines":
            value = [line.strip() for line in str(raw).splitlines() if line.strip()]
        target = body
        *parents, leaf = name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return body


def raw_values(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def error_map(errors: list[dict]) -> dict[str, str]:
    """{"industry.project_plan": "…"}: one message line per field, in order."""
    out: dict[str, str] = {}
    for err in errors:
        parts = [str(p) for p in err["loc"] if p not in ("body",)]
        key = ".".join(p for p in parts if not p.isdigit()) or "__all__"
        out[key] = f"{out[key]}；{err['msg']}" if key in out else err["msg"]
    return out


def validate(model: type[BaseModel], body: dict[str, Any]) -> BaseModel:
    """The model, or Invalid with the messages the API would give."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise Invalid(translate_errors([
            {**e, "loc": ("body", *e["loc"])} for e in exc.errors()
        ])) from None
