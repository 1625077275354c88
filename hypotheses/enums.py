"""The product's vocabulary (DESIGN.md §2) as string enums, stored as their values."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LEAD = "lead"
    MARKETER = "marketer"
    VIEWER = "viewer"


class ScoreFormula(StrEnum):
    MEAN = "mean"
    PRODUCT = "product"


class Status(StrEnum):
    IDEA = "idea"
    BACKLOG = "backlog"
    APPROVED = "approved"
    RUNNING = "running"
    FINISHED = "finished"
    DECIDED = "decided"
    ARCHIVED = "archived"
    REJECTED = "rejected"
    STOPPED = "stopped"


class Stage(StrEnum):
    ATTENTION = "attention"
    INTEREST = "interest"
    TRUST = "trust"
    LEAD = "lead"
    SALE = "sale"
    RETENTION = "retention"


class Lever(StrEnum):
    TRAFFIC = "traffic"
    CONVERSION = "conversion"
    AOV = "aov"
    REPEAT = "repeat"


class Subject(StrEnum):
    CREATIVE = "creative"
    SEGMENT = "segment"
    OFFER = "offer"
    LANDING_PAGE = "landing page"
    MESSAGE = "message"
    LEAD_HANDLING = "lead handling"
    PRICING = "pricing"
    OTHER = "other"


class MetricKind(StrEnum):
    CONVERSION = "conversion"
    CONTINUOUS = "continuous"


class Decision(StrEnum):
    SHIP = "ship"
    ITERATE = "iterate"
    KILL = "kill"


class Outcome(StrEnum):
    WON = "won"
    LOST = "lost"
    INCONCLUSIVE = "inconclusive"
