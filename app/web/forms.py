"""HTML forms post to the same models the API uses: each field's label, hint and input come from
the catalogue, dotted field names become nested bodies, and validation errors come back keyed by
those names for the template."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.catalogue import entry
from app.common import TYPED, nest
from app.errors import Invalid
from app.messages import translate_errors

M = TypeVar("M", bound=BaseModel)
NUMERIC = {"wan", "int"}
# The catalogue's kinds as form inputs: a yes/no is a pair of radio buttons, a list of names one
# name a line.
_INPUT = {"bool": "choice", "members": "lines"}


@dataclass(frozen=True)
class FormField:
    name: str  # dotted: "industry.planned_funds_wan"
    label: str
    kind: str  # wan, int, text, line, choice, date, lines
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for kind "choice"
    when: str | None = None  # "industry.has_project=true"
    wide: bool = False

    @property
    def dom_id(self) -> str:
        return self.name.replace(".", "-")


def form_field(name: str, when: str | None = None) -> FormField:
    """The field named `name` (dotted for a nested one) as the catalogue describes it."""
    found = entry(name)
    kind = _INPUT.get(found.kind, found.kind)
    choices = (("true", found.yes_no[0]), ("false", found.yes_no[1])) if found.kind == "bool" else ()
    text = f"其中：{found.text}" if found.part else found.text
    return FormField(name, text, kind, found.hint, choices, when, wide=kind in ("text", "lines"))


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    fields: list[FormField] = field(default_factory=list)


def nested(form: FormData, fields: Sequence[FormField]) -> dict[str, Any]:
    """The request body a form stands for. Empty numbers are left out ("无计划填零": the model's
    zero applies); a textarea of names is one name a line."""
    flat: dict[str, Any] = {}
    for f in fields:
        if f.name not in form:
            continue
        raw = form.get(f.name)
        value: Any = raw.strip() if isinstance(raw, str) else raw
        if f.kind in NUMERIC and value == "":
            continue
        if f.kind == "date" and value == "":
            value = None
        if f.kind == "lines":
            value = [line.strip() for line in str(raw).splitlines() if line.strip()]
        flat[f.name] = value
    return nest(flat)


def raw_values(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def error_map(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """{"industry.project_plan": "…"}: one message line per field, in order."""
    out: dict[str, str] = {}
    for err in errors:
        parts = [str(p) for p in err["loc"] if p not in ("body",)]
        key = ".".join(p for p in parts if not p.isdigit()) or "__all__"
        out[key] = f"{out[key]}；{err['msg']}" if key in out else err["msg"]
    return out


def validate(model: type[M], body: dict[str, Any]) -> M:
    """The model, or Invalid with the messages the API would give."""
    try:
        return model.model_validate(body, context=TYPED)
    except ValidationError as exc:
        raise Invalid(translate_errors([
            {**e, "loc": ("body", *e["loc"])} for e in exc.errors()
        ])) from None
