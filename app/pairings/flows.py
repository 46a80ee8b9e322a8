"""Saving a plan with what follows from it: the suspicious-data rules run again on the plan and on
every report of the pairing, since S5 measures the reports by the plan."""

from datetime import datetime

from sqlmodel import Session, col, select

from app.config import Settings
from app.pairings import service
from app.pairings.models import Plan, PlanIn
from app.pairings.policy import PairingAccess
from app.reports.models import Report
from app.review import service as review


def save_plan(session: Session, settings: Settings, access: PairingAccess, data: PlanIn,
              now: datetime | None = None) -> tuple[Plan, bool]:
    """Create or replace the plan; (plan, created)."""
    plan, created, changed = service.put_plan(session, settings, access, data, now)
    if changed:
        reports = session.exec(select(Report).where(Report.pairing_id == access.id)
                               .order_by(col(Report.week))).all()
        review.check_plan(session, settings, access.principal, plan, reports,
                          access.village.registered_poor, access.county_code)
    return plan, created
