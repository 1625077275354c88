"""All tables. Import from here so every model is registered before create_all or Alembic."""

from hypotheses.models.api import ApiToken, ImportBatch
from hypotheses.models.backlog import Hypothesis
from hypotheses.models.comments import Comment, Invitation, PasswordReset
from hypotheses.models.core import (
    AppState,
    AuditEntry,
    LoginThrottle,
    Membership,
    Team,
    User,
    utcnow,
)
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
from hypotheses.models.sources import (
    DataSource,
    ExperimentSource,
    KpiFetch,
    MetricQuery,
    SourceRefresh,
)
from hypotheses.models.test_metrics import ExperimentMetric

__all__ = [
    "AppState",
    "Analysis",
    "ApiToken",
    "AuditEntry",
    "Comment",
    "DataSource",
    "DigestItem",
    "Experiment",
    "ExperimentMetric",
    "ExperimentSource",
    "Hypothesis",
    "ImportBatch",
    "Invitation",
    "KpiFetch",
    "KpiValue",
    "LoginThrottle",
    "Membership",
    "Metric",
    "MetricQuery",
    "NotificationPreference",
    "OutboxMessage",
    "PasswordReset",
    "ResultSet",
    "Review",
    "ReviewAddendum",
    "ReviewDecision",
    "ReviewRead",
    "ScheduleMark",
    "SourceRefresh",
    "Team",
    "TeamWebhook",
    "User",
    "Variant",
    "utcnow",
]
