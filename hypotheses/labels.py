"""Human labels for the vocabulary, marked for translation."""

from flask_babel import lazy_gettext as _l

ROLES = {
    "admin": _l("Admin"),
    "lead": _l("Team lead"),
    "marketer": _l("Marketer"),
    "viewer": _l("Viewer"),
}
STATUSES = {
    "idea": _l("Idea"),
    "backlog": _l("Backlog"),
    "approved": _l("Approved"),
    "running": _l("Running"),
    "finished": _l("Finished"),
    "decided": _l("Decided"),
    "archived": _l("Archived"),
    "rejected": _l("Rejected"),
    "stopped": _l("Stopped"),
}
STAGES = {
    "attention": _l("Attention"),
    "interest": _l("Interest"),
    "trust": _l("Trust"),
    "lead": _l("Lead"),
    "sale": _l("Sale"),
    "retention": _l("Retention"),
}
LEVERS = {
    "traffic": _l("Traffic / leads"),
    "conversion": _l("Conversion"),
    "aov": _l("Average order value"),
    "repeat": _l("Repeat purchases"),
}
SUBJECTS = {
    "creative": _l("Creative"),
    "segment": _l("Segment"),
    "offer": _l("Offer"),
    "landing page": _l("Landing page"),
    "message": _l("Message"),
    "lead handling": _l("Lead handling"),
    "pricing": _l("Pricing"),
    "other": _l("Other"),
}
FORMULAS = {"mean": _l("Mean (I + C + E) / 3"), "product": _l("Product I × C × E")}
DECISIONS = {"ship": _l("Ship"), "iterate": _l("Iterate"), "kill": _l("Kill")}
OUTCOMES = {"won": _l("Won"), "lost": _l("Lost"), "inconclusive": _l("Inconclusive")}
STATUS_BADGES = {
    "idea": "secondary",
    "backlog": "info",
    "approved": "primary",
    "running": "warning",
    "finished": "dark",
    "decided": "success",
    "archived": "light",
    "rejected": "danger",
    "stopped": "danger",
}


def choices(mapping: dict) -> list[tuple[str, str]]:
    """Return (value, label) pairs for a select field."""
    return [(key, str(label)) for key, label in mapping.items()]
