"""Every table model, imported once so SQLModel.metadata knows the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, LoginThrottle, User, WebSession
from app.imports.models import ImportJob
from app.notices.models import Delivery, Notification, ReminderRun
from app.pairings.models import Pairing, Plan
from app.public.models import Publication
from app.regions.models import Region, Village
from app.reports.models import Report
from app.review.models import Flag
from app.rollups.models import CountyWeek
from app.stats.models import Submission
from app.units.models import Unit

__all__ = ["ApiToken", "AuditEvent", "CountyWeek", "Delivery", "Flag", "ImportJob", "Notification", "ReminderRun", "LoginThrottle", "Pairing", "Plan", "Publication",
           "Region", "Report", "Submission", "Unit", "User", "Village", "WebSession"]
