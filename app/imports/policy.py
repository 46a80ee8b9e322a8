"""Who imports what: liaisons their unit's plans and reports; officers register villages, units and
pairings; the county (or an admin) files plans and reports on units' behalf."""

from app.auth.policy import Principal
from app.errors import Forbidden
from app.imports.models import ImportKind
from app.pairings.policy import READ_ONLY

FIGURE_KINDS = {ImportKind.plans, ImportKind.reports}


def may_import(principal: Principal, kind: ImportKind) -> bool:
    if kind in FIGURE_KINDS:
        return principal.may_import_figures
    return principal.may_register


def allowed_kinds(principal: Principal) -> list[ImportKind]:
    return [kind for kind in ImportKind if may_import(principal, kind)]


def require_allowed(principal: Principal, kind: ImportKind) -> None:
    if may_import(principal, kind):
        return
    if principal.is_liaison:
        raise Forbidden("信息联络员只能导入本单位的结对帮扶计划书和每周项目进展")
    raise Forbidden(READ_ONLY)
