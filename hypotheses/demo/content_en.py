"""The demo's words in English (see content.py)."""

from __future__ import annotations

from hypotheses.demo.content import ExperimentText, IdeaText

TEAM = "Demo growth team"
PEOPLE = {
    "admin": "Alex Admin",
    "lead": "Lena Lead",
    "marketer": "Mark Marketer",
    "viewer": "Vera Viewer",
}
REJECT_REASON = "Does not fit this quarter's focus on lead quality."
MONEY = 1

# title, change, audience, expected effect, rationale, channel, tags
IDEAS = [
    IdeaText(
        "Outcome-first landing page headline",
        "Replace the feature list headline with the outcome clients get in 30 days",
        "Paid search visitors",
        "Lead rate +15%",
        "Session recordings show visitors leave before scrolling past the headline",
        "Search ads",
        "headline, copy",
    ),
    IdeaText(
        "Call back every lead within 15 minutes",
        "Route new web leads to the on-duty manager with a 15-minute callback target",
        "Inbound web leads",
        "Lead to sale +20%",
        "Leads called within the hour close twice as often in our CRM history",
        "Sales",
        "speed, sales",
    ),
    IdeaText(
        "Money-back guarantee in the offer",
        "Add a 30-day money-back guarantee to the main offer block",
        "First-time buyers",
        "Checkout conversion +10%",
        "Refund fear is the top objection in support chats",
        "Website",
        "offer, risk reversal",
    ),
    IdeaText(
        "Separate message for B2B clinics",
        "Show a clinic-specific value proposition to visitors from the clinics segment",
        "Clinic owners",
        "Demo requests +25%",
        "Clinics convert at half the rate of other segments with the generic page",
        "LinkedIn",
        "b2b, segment",
    ),
    IdeaText(
        "Retention e-mail sequence after first purchase",
        "Send a 4-letter onboarding sequence in the first 21 days",
        "New customers",
        "Repeat purchase +8 points",
        "Most churn happens before the second order",
        "E-mail",
        "email, onboarding",
    ),
    IdeaText(
        "Shorter lead form",
        "Cut the lead form from 7 fields to 3 (name, phone, city)",
        "All website visitors",
        "Lead rate +20%",
        "Field-level analytics show 40% drop-off on the company size field",
        "Website",
        "form",
    ),
    IdeaText(
        "Video testimonials on pricing page",
        "Embed three 30-second customer videos next to the plans",
        "Pricing page visitors",
        "Plan selection +10%",
        "Reviews are the second most clicked element on the page",
        "Website",
        "social proof",
    ),
    IdeaText(
        "Annual plan discount of 20%",
        "Offer 20% off for annual prepayment",
        "Monthly subscribers",
        "AOV +18%",
        "Competitors offer 15-25%; cash flow matters more than margin this quarter",
        "Billing",
        "pricing",
    ),
    IdeaText(
        "Lookalike audience from buyers",
        "Build a 1% lookalike from last year's buyers instead of interest targeting",
        "Cold social audience",
        "Cost per lead -25%",
        "Interest targeting reaches many non-target leads",
        "Social ads",
        "paid social",
    ),
    IdeaText(
        "Problem-led ad creatives",
        "Open ads with the customer's problem instead of the product shot",
        "Cold social audience",
        "CTR +30%",
        "Top competitor ads all lead with a pain point",
        "Social ads",
        "creative, ads",
    ),
    IdeaText(
        "Qualifying script for sales calls",
        "Add 3 qualifying questions at the start of every first call",
        "Inbound leads",
        "Share of non-target leads handled -30%",
        "Managers spend a third of call time on non-target leads",
        "Sales",
        "sales, script",
    ),
    IdeaText(
        "Bundle the starter kit with accessories",
        "Sell the starter kit with two accessories at a 10% bundle discount",
        "Checkout visitors",
        "AOV +12%",
        "Accessories are bought separately by 35% of buyers within a month",
        "Website",
        "bundle",
    ),
    IdeaText(
        "Win-back SMS after 60 days",
        "Send an SMS with a personal offer to customers inactive for 60 days",
        "Lapsed customers",
        "Reactivation +5%",
        "SMS open rates are far higher than e-mail for this group",
        "SMS",
        "sms, win-back",
    ),
    IdeaText(
        "Live chat on the checkout page",
        "Add a staffed live chat during business hours on checkout",
        "Checkout visitors",
        "Checkout completion +6%",
        "Support gets many calls about delivery terms",
        "Website",
        "chat",
    ),
    IdeaText(
        "Free delivery threshold at 50",
        "Show a progress bar toward free delivery from 50",
        "Cart visitors",
        "AOV +8%",
        "Median basket is just under the current threshold",
        "Website",
        "delivery",
    ),
    IdeaText(
        "Case study webinar for enterprise leads",
        "Run a monthly webinar with a customer case study",
        "Enterprise prospects",
        "Qualified leads +10 per month",
        "Enterprise buyers ask for proof from similar companies",
        "Webinars",
        "webinar",
    ),
    IdeaText(
        "Referral bonus for existing customers",
        "Give both sides a credit for each referred customer",
        "Active customers",
        "Leads +10%",
        "NPS promoters rarely get asked to refer",
        "E-mail",
        "referral",
    ),
    IdeaText(
        "Price anchoring with a premium plan",
        "Add a premium plan above the current top plan",
        "Pricing page visitors",
        "Mid-plan share +10%",
        "Anchoring effect seen in competitor tests",
        "Website",
        "pricing",
    ),
    IdeaText(
        "TikTok creators for awareness",
        "Pay five micro-creators for product reviews",
        "Under-25 audience",
        "Branded search +15%",
        "Young audience barely knows the brand",
        "TikTok",
        "creators",
    ),
    IdeaText(
        "Exit-intent discount popup",
        "Offer 10% off when the cursor leaves the page",
        "Desktop visitors",
        "Lead rate +5%",
        "Common tactic in the niche",
        "Website",
        "popup",
    ),
]

TESTS = [
    ExperimentText(
        IdeaText(
            "Price in the ad text",
            "Put the starting price in the first line of search and social ads",
            "Cold paid traffic",
            "Lead rate +15% from better-qualified clicks",
            "Sales says many leads drop out once they hear the price",
            "Search ads",
            "ads, pricing",
        ),
        metric="Ad click-through rate",
        arms=("A", "B"),
        learning=(
            "Showing the price cut clicks by 18% and did not lift leads: keep prices on "
            "the landing page."
        ),
    ),
    ExperimentText(
        IdeaText(
            "Phone number in the header",
            "Show the sales phone number, clickable, in the site header",
            "All website visitors",
            "Lead rate +20%",
            "A third of won deals started with a phone call, but the number hides in the footer",
            "Website",
            "contact, trust",
        ),
        metric="Lead rate",
        arms=("A", "B"),
        learning=(
            "A visible phone number lifted leads by a fifth; callers also reached a sale faster."
        ),
    ),
    ExperimentText(
        IdeaText(
            "Personal manager photo in e-mails",
            "Sign follow-up e-mails with the manager's photo and direct line",
            "Leads in follow-up",
            "Reply rate +20%",
            "A face may make the follow-up feel personal",
            "E-mail",
            "email, trust",
        ),
        metric="E-mail reply rate",
        arms=("A", "B"),
        learning="Photos did not change replies measurably; not worth the design time.",
    ),
    ExperimentText(
        IdeaText(
            "Free trial extended to 21 days",
            "Extend the free trial from 14 to 21 days",
            "New trial sign-ups",
            "Trial-to-paid +12%",
            "Users say two weeks is too short to set everything up",
            "Product",
            "trial, offer",
        ),
        metric="Trial-to-paid conversion",
        arms=("A", "B"),
        learning="A longer trial delayed the decision and lowered paid conversion: keep 14 days.",
    ),
    ExperimentText(
        IdeaText(
            "Case studies by industry",
            (
                "Show a case study from the visitor's industry (B), or a wall of testimonials (C), "
                "on the demo page"
            ),
            "Demo page visitors",
            "Demo requests +30%",
            "Prospects keep asking for examples from companies like theirs",
            "Website",
            "social proof, trust",
        ),
        metric="Demo request rate",
        arms=("A", "B", "C"),
        learning=(
            "Industry cases looked better, but the traffic split broke (SRM): rerun with "
            "the fixed router."
        ),
    ),
    ExperimentText(
        IdeaText(
            "Reminder call before the demo",
            "Call every booked prospect 2 hours before the demo",
            "Prospects with a booked demo",
            "Show-up rate +15%",
            "A third of booked demos are no-shows; reminders work for dentists, why not for us",
            "Sales",
            "sales, calls",
        ),
        metric="Demo show-up rate",
        arms=("A", "B"),
        learning="A reminder call cut no-shows by a third; make it part of the sales script.",
    ),
    ExperimentText(
        IdeaText(
            "Instant quote calculator",
            "Add a calculator that shows a price range from three inputs",
            "Pricing page visitors",
            "Quote requests +25%",
            "Visitors leave the pricing page without asking for a quote",
            "Website",
            "calculator, pricing",
        ),
        metric="Quote request rate",
        arms=("A", "B"),
        learning=(
            "1 in 8 visitors used the calculator, but quote requests did not move yet; try "
            "a shorter version."
        ),
    ),
    ExperimentText(
        IdeaText(
            "Cross-sell block in the cart",
            "Suggest two matching accessories in the cart",
            "Shoppers with a cart",
            "Average order value +5%",
            "Accessories are often bought in a second order a week later",
            "Website",
            "aov, checkout",
        ),
        metric="Average order value",
        arms=("A", "B"),
        learning=(
            "The cross-sell block raised average order value by about 6% without hurting checkout."
        ),
    ),
    ExperimentText(
        IdeaText(
            "WhatsApp button",
            "Add a WhatsApp chat button next to the lead form",
            "Mobile visitors",
            "Lead rate +20%",
            "Mobile visitors prefer messengers to forms; competitors all offer one",
            "Website",
            "messenger, contact",
        ),
        metric="Lead rate",
        arms=("A", "B"),
    ),
    ExperimentText(
        IdeaText(
            "Customer logos above the fold",
            "Show six client logos under the main headline",
            "New visitors",
            "Lead rate +15%",
            "Visitors do not know who already works with us",
            "Website",
            "social proof",
        ),
        metric="Lead rate",
        arms=("A", "B"),
    ),
    ExperimentText(
        IdeaText(
            "A number in the ad headline",
            "Lead the ad headline with a concrete number, like “40 leads in 14 days”",
            "Cold social audience",
            "Click-through rate +10%",
            "Our best organic posts all start with a number",
            "Social ads",
            "ads, copy",
        ),
        metric="Ad click-through rate",
        arms=("A", "B"),
    ),
]
