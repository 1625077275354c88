"""The demo's weekly reviews in English (see content.py): the guest from sales, each published
week's notes and decisions."""

from __future__ import annotations

GUEST = "Sam from sales"

NOTES = [
    "Speed to lead is the biggest lever we see; the callback test starts this week.",
    (
        "Lead volume grows but the share of non-target leads is still high. Sales and "
        "marketing disagree on the definition."
    ),
    "Callback test: lead to sale rose clearly. Shipping it everywhere.",
    "CAC keeps falling. The backlog is below the minimum: more ideas, especially segments.",
    "Guarantee test inconclusive; the wording may be the problem.",
    "Headline test at 60% of its planned sample. No early calls.",
]

# Per week, oldest first: (text, owner role, linked hypothesis title or None).
DECISIONS = [
    [
        (
            "Start the 15-minute callback test with the on-duty manager rota",
            "lead",
            "Call back every lead within 15 minutes",
        ),
        (
            "Pause interest targeting on social; move budget to search",
            "marketer",
            None,
        ),
        (
            "Add three qualifying questions to the first sales call",
            "lead",
            "Qualifying script for sales calls",
        ),
        (
            "Tag every lead source in the CRM so CAC can be split by channel",
            "marketer",
            None,
        ),
    ],
    [
        (
            "Write the outcome-first headline variants",
            "marketer",
            "Outcome-first landing page headline",
        ),
        (
            "Agree the definition of a non-target lead with sales",
            "lead",
            None,
        ),
        (
            "Prepare the money-back guarantee copy for legal review",
            "marketer",
            "Money-back guarantee in the offer",
        ),
    ],
    [
        (
            "Ship the 15-minute callback rota to all regions",
            "lead",
            "Call back every lead within 15 minutes",
        ),
        (
            "Add five new segment hypotheses: the backlog is thin on segments",
            "marketer",
            None,
        ),
        (
            "Cap the cost per lead on social at 22",
            "marketer",
            None,
        ),
        (
            "Review NPS detractor comments with support",
            "lead",
            None,
        ),
        (
            "Draft the retention e-mail sequence",
            "marketer",
            "Retention e-mail sequence after first purchase",
        ),
    ],
    [
        (
            "Start the headline test on paid search traffic",
            "lead",
            "Outcome-first landing page headline",
        ),
        (
            "Kill the exit-intent popup idea for good",
            "lead",
            None,
        ),
        (
            "Measure time to first contact per manager weekly",
            "marketer",
            None,
        ),
    ],
    [
        (
            "Iterate on the guarantee wording: test a 14-day version",
            "marketer",
            "Money-back guarantee in the offer",
        ),
        (
            "Build the buyer lookalike audience",
            "marketer",
            "Lookalike audience from buyers",
        ),
        (
            "Move the weekly review to Monday 10:00",
            "lead",
            None,
        ),
        (
            "Report revenue by cohort, not only by week",
            "marketer",
            None,
        ),
    ],
    [
        (
            "Decide the headline test at the planned sample, not before",
            "lead",
            "Outcome-first landing page headline",
        ),
        (
            "Shorten the lead form to three fields as the next test",
            "marketer",
            "Shorter lead form",
        ),
        (
            "Ask sales for ten call recordings of non-target leads",
            "lead",
            None,
        ),
        (
            "Refill the backlog to at least 15 hypotheses",
            "marketer",
            None,
        ),
    ],
]
