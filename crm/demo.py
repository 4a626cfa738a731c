"""Demo data: a B2B pipeline for the demo store — 40 leads from every source and in every status, some
those of returning demo customers converted (linked by email) with an opportunity each, across the stages
(one won into a pending order), and calls, notes and tasks due around today for the demo owner.

Everything goes through the services, so conversions, wins and losses follow the same rules as the API and
write their outbox events. Deterministic; skipped when the account already has leads.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.models import Product, ProductStatus
from customers.models import Customer
from omnisales.api.errors import ApplicationError

from . import services
from .models import OPEN_STAGES, Lead, LeadSource, LeadStatus, Stage

DEMO_LEAD_COUNT = 40
DEMO_OPPORTUNITY_COUNT = 16
COMPANIES = [
    "Northwind Traders", "Contoso Retail", "Fabrikam Office", "Tailspin Toys", "Wide World Importers",
    "Adventure Works", "Blue Yonder Cafe", "Coho Winery", "Lucerne Publishing", "Margie's Travel",
    "Proseware Labs", "Trey Research", "Litware Systems", "Alpine Ski House", "Fourth Coffee",
    "Graphic Design Institute", "Humongous Insurance", "Southridge Video", "Woodgrove Bank", "VanArsdel Ltd",
]  # fmt: skip
PEOPLE = [
    "Nora Diaz", "Omar Haddad", "Priya Patel", "Kenji Sato", "Lena Novak", "Marcus Lee", "Ada Okafor",
    "Tom Walsh", "Sofia Rossi", "Ivan Petrov", "Grace Kim", "Liam Murphy", "Mei Chen", "Diego Silva",
]  # fmt: skip
STATUSES = [
    (LeadStatus.NEW, 10),
    (LeadStatus.CONTACTED, 10),
    (LeadStatus.QUALIFIED, 8),
    (LeadStatus.UNQUALIFIED, 4),
]
SUBJECTS = ["Intro call", "Sent the catalogue", "Pricing question", "Sample request", "Follow-up email"]
TASKS = ["Send the volume price list", "Book a demo", "Call back about delivery dates", "Chase the signed quote"]
LOST_REASONS = ["Chose a cheaper supplier", "No budget this year", "Went quiet"]


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _leads(account, *, user, rng: random.Random, today: datetime.date) -> list[tuple[Lead, bool]]:
    """The leads made, each with whether it is a returning customer."""
    customers = list(Customer.objects.filter(account=account, is_anonymized=False).order_by("email")[:14])
    leads = []
    for number in range(DEMO_LEAD_COUNT):
        company = COMPANIES[number % len(COMPANIES)]
        name = rng.choice(PEOPLE)
        # Every third lead is an existing customer coming back through a new channel: conversion links it.
        existing = customers[number // 3] if number % 3 == 0 and number // 3 < len(customers) else None
        domain = "".join(char for char in company.split()[0].lower() if char.isalpha())
        email = existing.email if existing else f"{name.split()[0].lower()}.{number}@{domain}.example"
        lead = services.lead_create(
            account=account,
            name=existing.name if existing else name,
            email=email,
            phone=f"+1415555{100 + number:04d}",  # 555-0100 to 0199: fictional
            company=company,
            status=LeadStatus.QUALIFIED if existing else _weighted(rng, STATUSES),
            source=rng.choice(LeadSource.values),
            owner=user if rng.random() < 0.7 else None,
            tags=rng.sample(["b2b", "wholesale", "trade-show", "reseller"], k=rng.randrange(3)),
        )
        services.activity_create(
            account=account, lead=lead, type=rng.choice(["call", "email", "note"]), subject=rng.choice(SUBJECTS)
        )
        if rng.random() < 0.5:
            services.activity_create(
                account=account,
                lead=lead,
                type="task",
                subject=rng.choice(TASKS),
                due_date=today + datetime.timedelta(days=rng.randrange(-5, 10)),
                owner=user,
            )
        leads.append((lead, existing is not None))
    return leads


def _opportunities(account, leads, *, rng: random.Random, today: datetime.date) -> int:
    products = list(Product.objects.filter(account=account, status=ProductStatus.ACTIVE).order_by("sku")[:20])
    # The returning customers' leads convert (linked by email, so the demo's customers stay as they are); one
    # in four of them, and the new prospects, stay qualified.
    returning = [lead for lead, is_returning in leads if is_returning]
    to_convert = [lead for position, lead in enumerate(returning) if position % 4 != 3]
    made = 0
    for index, lead in enumerate(to_convert[:DEMO_OPPORTUNITY_COUNT]):
        picked = rng.sample(products, k=min(len(products), rng.randrange(1, 3)))
        items = [{"product_id": product.pk, "quantity": rng.randrange(2, 6)} for product in picked]
        amount = sum(
            (product.price * line["quantity"] for product, line in zip(picked, items, strict=True)), Decimal("0.00")
        )
        _, _, _, opportunity = services.lead_convert(
            lead=lead,
            opportunity={
                "name": f"{lead.company}: first order",
                "amount": amount,
                "stage": OPEN_STAGES[index % len(OPEN_STAGES)],
                "expected_close_date": today + datetime.timedelta(days=rng.randrange(-10, 90)),
                "items": items,
            },
        )
        services.activity_create(account=account, opportunity=opportunity, type="meeting", subject="Needs analysis")
        made += 1
        if index % 5 == 3:
            services.opportunity_stage_set(
                opportunity=opportunity, stage=Stage.LOST, lost_reason=rng.choice(LOST_REASONS)
            )
        elif index % 5 == 4:
            try:
                with transaction.atomic():
                    services.opportunity_stage_set(opportunity=opportunity, stage=Stage.WON, create_order=index == 4)
            except ApplicationError:  # not enough stock for its order: won without one
                services.opportunity_stage_set(opportunity=opportunity, stage=Stage.WON)
    return made


def seed(account, *, user, log) -> None:
    if Lead.objects.filter(account=account).exists():
        log("CRM: leads already there, left as they are.")
        return
    rng = random.Random(20240116)  # noqa: S311 - reproducible demo data, not security
    today = timezone.localdate(timezone=account.zone)
    leads = _leads(account, user=user, rng=rng, today=today)
    opportunities = _opportunities(account, leads, rng=rng, today=today)
    log(f"CRM: {len(leads)} leads, {opportunities} opportunities.")
