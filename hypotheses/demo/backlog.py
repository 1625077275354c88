"""Demo hypotheses: a realistic backlog across funnel stages, levers and subjects."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from hypotheses.domain import audit
from hypotheses.models import Hypothesis, Team, User, utcnow

# title, change, audience, expected effect, rationale, stage, lever, subject, channel,
# (I, C, E), status, owner role, days ago, tags
HYPOTHESES = [
    ("Outcome-first landing page headline", "Replace the feature list headline with the outcome clients get in 30 days",
     "Paid search visitors", "Lead rate +15%", "Session recordings show visitors leave before scrolling past the headline",
     "interest", "conversion", "landing page", "Search ads", (7, 6, 9), "approved", "marketer", 20, "headline, copy"),
    ("Call back every lead within 15 minutes", "Route new web leads to the on-duty manager with a 15-minute callback target",
     "Inbound web leads", "Lead to sale +20%", "Leads called within the hour close twice as often in our CRM history",
     "lead", "conversion", "lead handling", "Sales", (9, 7, 6), "approved", "lead", 26, "speed, sales"),
    ("Money-back guarantee in the offer", "Add a 30-day money-back guarantee to the main offer block",
     "First-time buyers", "Checkout conversion +10%", "Refund fear is the top objection in support chats",
     "trust", "conversion", "offer", "Website", (8, 5, 8), "backlog", "marketer", 15, "offer, risk reversal"),
    ("Separate message for B2B clinics", "Show a clinic-specific value proposition to visitors from the clinics segment",
     "Clinic owners", "Demo requests +25%", "Clinics convert at half the rate of other segments with the generic page",
     "interest", "conversion", "segment", "LinkedIn", (7, 5, 6), "backlog", "marketer", 12, "b2b, segment"),
    ("Retention e-mail sequence after first purchase", "Send a 4-letter onboarding sequence in the first 21 days",
     "New customers", "Repeat purchase +8 points", "Most churn happens before the second order",
     "retention", "repeat", "message", "E-mail", (8, 6, 7), "backlog", "marketer", 33, "email, onboarding"),
    ("Shorter lead form", "Cut the lead form from 7 fields to 3 (name, phone, city)",
     "All website visitors", "Lead rate +20%", "Field-level analytics show 40% drop-off on the company size field",
     "lead", "conversion", "landing page", "Website", (6, 7, 9), "backlog", "marketer", 9, "form"),
    ("Video testimonials on pricing page", "Embed three 30-second customer videos next to the plans",
     "Pricing page visitors", "Plan selection +10%", "Reviews are the second most clicked element on the page",
     "trust", "conversion", "creative", "Website", (6, 5, 5), "backlog", "marketer", 40, "social proof"),
    ("Annual plan discount of 20%", "Offer 20% off for annual prepayment",
     "Monthly subscribers", "AOV +18%", "Competitors offer 15-25%; cash flow matters more than margin this quarter",
     "sale", "aov", "pricing", "Billing", (7, 4, 7), "backlog", "lead", 18, "pricing"),
    ("Lookalike audience from buyers", "Build a 1% lookalike from last year's buyers instead of interest targeting",
     "Cold social audience", "Cost per lead -25%", "Interest targeting reaches many non-target leads",
     "attention", "traffic", "segment", "Social ads", (6, 6, 8), "backlog", "marketer", 7, "paid social"),
    ("Problem-led ad creatives", "Open ads with the customer's problem instead of the product shot",
     "Cold social audience", "CTR +30%", "Top competitor ads all lead with a pain point",
     "attention", "traffic", "creative", "Social ads", (5, 5, 9), "backlog", "marketer", 5, "creative, ads"),
    ("Qualifying script for sales calls", "Add 3 qualifying questions at the start of every first call",
     "Inbound leads", "Share of non-target leads handled -30%", "Managers spend a third of call time on non-target leads",
     "lead", "conversion", "lead handling", "Sales", (6, 6, 7), "backlog", "lead", 28, "sales, script"),
    ("Bundle the starter kit with accessories", "Sell the starter kit with two accessories at a 10% bundle discount",
     "Checkout visitors", "AOV +12%", "Accessories are bought separately by 35% of buyers within a month",
     "sale", "aov", "offer", "Website", (6, 5, 6), "backlog", "marketer", 22, "bundle"),
    ("Win-back SMS after 60 days", "Send an SMS with a personal offer to customers inactive for 60 days",
     "Lapsed customers", "Reactivation +5%", "SMS open rates are far higher than e-mail for this group",
     "retention", "repeat", "message", "SMS", (5, 4, 8), "backlog", "marketer", 45, "sms, win-back"),
    ("Live chat on the checkout page", "Add a staffed live chat during business hours on checkout",
     "Checkout visitors", "Checkout completion +6%", "Support gets many calls about delivery terms",
     "sale", "conversion", "lead handling", "Website", (5, 5, 4), "backlog", "marketer", 50, "chat"),
    ("Free delivery threshold at 50", "Show a progress bar toward free delivery from 50",
     "Cart visitors", "AOV +8%", "Median basket is just under the current threshold",
     "sale", "aov", "pricing", "Website", (6, 6, 8), "backlog", "marketer", 11, "delivery"),
    ("Case study webinar for enterprise leads", "Run a monthly webinar with a customer case study",
     "Enterprise prospects", "Qualified leads +10 per month", "Enterprise buyers ask for proof from similar companies",
     "trust", "traffic", "message", "Webinars", (5, 4, 4), "idea", "marketer", 61, "webinar"),
    ("Referral bonus for existing customers", "Give both sides a credit for each referred customer",
     "Active customers", "Leads +10%", "NPS promoters rarely get asked to refer",
     "retention", "traffic", "offer", "E-mail", (6, 4, 6), "idea", "marketer", 38, "referral"),
    ("Price anchoring with a premium plan", "Add a premium plan above the current top plan",
     "Pricing page visitors", "Mid-plan share +10%", "Anchoring effect seen in competitor tests",
     "sale", "aov", "pricing", "Website", (5, 3, 7), "idea", "lead", 3, "pricing"),
    ("TikTok creators for awareness", "Pay five micro-creators for product reviews",
     "Under-25 audience", "Branded search +15%", "Young audience barely knows the brand",
     "attention", "traffic", "creative", "TikTok", (4, 3, 5), "rejected", "marketer", 30, "creators"),
    ("Exit-intent discount popup", "Offer 10% off when the cursor leaves the page",
     "Desktop visitors", "Lead rate +5%", "Common tactic in the niche",
     "interest", "conversion", "offer", "Website", (3, 3, 9), "rejected", "marketer", 35, "popup"),
]


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Hypothesis]:
    """Add the demo backlog to *team* with an audit trail that reads like real use."""
    now = utcnow()
    created = []
    for (title, change, audience, effect, rationale, stage, lever, subject, channel,
         (impact, confidence, ease), status, owner_role, days_ago, tags) in HYPOTHESES:
        author = people[owner_role]
        when = now - timedelta(days=days_ago, hours=days_ago % 7)
        hypothesis = Hypothesis(
            team_id=team.id, title=title, change=change, audience=audience,
            expected_effect=effect, rationale=rationale, stage=stage, lever=lever,
            subject=subject, channel=channel, owner_id=author.id, created_by_id=author.id,
            tags=tags, impact=impact, confidence=confidence, ease=ease, status=status,
            created_at=when, updated_at=when,
        )
        if status == "approved":
            approver = people["lead"] if author.id != people["lead"].id else people["admin"]
            hypothesis.approved_by_id = approver.id
            hypothesis.approved_at = when + timedelta(days=2)
            hypothesis.approved_version = 1
        if status == "rejected":
            hypothesis.reject_reason = "Does not fit this quarter's focus on lead quality."
        session.add(hypothesis)
        session.flush()
        entry = audit.record(session, team_id=team.id, entity="hypothesis", entity_id=hypothesis.id,
                             action="hypothesis.create", actor=author, version=1,
                             changes={"status": [None, "idea" if status == "idea" else "backlog"]})
        entry.created_at = when
        if status in ("approved", "rejected"):
            entry = audit.record(session, team_id=team.id, entity="hypothesis", entity_id=hypothesis.id,
                                 action=f"hypothesis.{'approve' if status == 'approved' else 'reject'}",
                                 actor=people["lead"], version=1, changes={"status": ["backlog", status]},
                                 note=hypothesis.reject_reason)
            entry.created_at = when + timedelta(days=2)
        created.append(hypothesis)
    return created
