"""Every table model, imported once so SQLModel.metadata knows the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, LoginThrottle, User
from app.imports.models import ImportJob
from app.pairings.models import Pairing, Plan
from app.public.models import Publication
from app.regions.models import Region, Village
from app.reports.models import Report
from app.review.models import Flag, Submission
from app.units.models import Unit
from app.web.models import WebSession

__all__ = ["ApiToken", "AuditEvent", "Flag", "ImportJob", "Publication", "Submission", "LoginThrottle", "Pairing", "Plan", "Region", "Report", "Unit",
           "User", "Village", "WebSession"]
