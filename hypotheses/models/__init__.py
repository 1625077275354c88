"""All tables. Import from here so every model is registered before create_all or Alembic."""

from hypotheses.models.api import ApiToken, ImportBatch
from hypotheses.models.backlog import Hypothesis
from hypotheses.models.comments import Comment, Invitation, PasswordReset
from hypotheses.models.core import AuditEntry, LoginThrottle, Membership, Team, User, utcnow
from hypotheses.models.experiments import Analysis, Experiment, ResultSet, Variant
from hypotheses.models.notifications import (
    DigestItem,
    NotificationPreference,
    OutboxMessage,
    ScheduleMark,
    TeamWebhook,
)
from hypotheses.models.reviews import (
    KpiValue,
    Metric,
    Review,
    ReviewAddendum,
    ReviewDecision,
    ReviewRead,
)
from hypotheses.models.test_metrics import ExperimentMetric

__all__ = [
    "Analysis",
    "ApiToken",
    "AuditEntry",
    "Comment",
    "DigestItem",
    "Experiment",
    "ExperimentMetric",
    "Hypothesis",
    "ImportBatch",
    "Invitation",
    "KpiValue",
    "LoginThrottle",
    "Membership",
    "Metric",
    "NotificationPreference",
    "OutboxMessage",
    "PasswordReset",
    "ResultSet",
    "Review",
    "ReviewAddendum",
    "ReviewDecision",
    "ReviewRead",
    "ScheduleMark",
    "Team",
    "TeamWebhook",
    "User",
    "Variant",
    "utcnow",
]
