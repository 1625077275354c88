"""Notification screens: one's own choices, the team's webhooks and days, the admins' outbox."""

from hypotheses.notifications import routes
from hypotheses.notifications.blueprint import bp

__all__ = ["bp", "routes"]
