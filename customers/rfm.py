"""RFM scoring in SQL: NTILE(5) windows for the scores and one CASE expression for the segment.

Scores are quintiles among the account's customers with at least one order (anonymized customers
excluded), 5 being best:

- Recency: NTILE(5) over last order date ascending, so the most recent fifth scores 5.
- Frequency: NTILE(5) over total orders ascending (ties broken by total spent, then customer id).
- Monetary: NTILE(5) over total spent ascending (ties broken by total orders, then customer id).

NTILE deals rows out by position, so customers with equal values can land in neighbouring
quintiles; the tie-breakers make that split deterministic, so pages never shuffle.

The scores are stored on the customer rows by `services.rfm_scores_refresh` (one UPDATE over these
windows, run hourly and after imports), and every read filters and sorts the stored columns.

The segment comes from the recency score R and the FM score, the average of F and M rounded half
up (`(F + M + 1) / 2` in integer arithmetic), through the grid below.
"""

from django.db import models
from django.db.models import F, Value, When, Window
from django.db.models.functions import Ntile
from django.db.models.lookups import In


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", "Champions"
    LOYAL = "loyal", "Loyal"
    POTENTIAL_LOYALIST = "potential_loyalist", "Potential Loyalist"
    NEW = "new", "New"
    PROMISING = "promising", "Promising"
    NEED_ATTENTION = "need_attention", "Need Attention"
    ABOUT_TO_SLEEP = "about_to_sleep", "About to Sleep"
    AT_RISK = "at_risk", "At Risk"
    CANNOT_LOSE_THEM = "cannot_lose_them", "Cannot Lose Them"
    HIBERNATING = "hibernating", "Hibernating"
    LOST = "lost", "Lost"


S = RfmSegment
# Recency score -> the segment for FM score 1, 2, 3, 4, 5.
GRID = {
    5: (S.NEW, S.POTENTIAL_LOYALIST, S.POTENTIAL_LOYALIST, S.CHAMPIONS, S.CHAMPIONS),
    4: (S.PROMISING, S.POTENTIAL_LOYALIST, S.LOYAL, S.LOYAL, S.CHAMPIONS),
    3: (S.ABOUT_TO_SLEEP, S.ABOUT_TO_SLEEP, S.NEED_ATTENTION, S.LOYAL, S.LOYAL),
    2: (S.HIBERNATING, S.HIBERNATING, S.AT_RISK, S.AT_RISK, S.CANNOT_LOSE_THEM),
    1: (S.LOST, S.LOST, S.AT_RISK, S.CANNOT_LOSE_THEM, S.CANNOT_LOSE_THEM),
}

DESCRIPTIONS = {
    S.CHAMPIONS: "Bought recently, buy often and spend the most.",
    S.LOYAL: "Buy regularly and spend well; recent enough to stay engaged.",
    S.POTENTIAL_LOYALIST: "Recent customers with a few orders and average spend.",
    S.NEW: "Bought very recently for the first time or two, small spend so far.",
    S.PROMISING: "Recent shoppers who have not spent much yet.",
    S.NEED_ATTENTION: "Average recency, frequency and spend; may slip without a nudge.",
    S.ABOUT_TO_SLEEP: "Below-average recency and low frequency and spend.",
    S.AT_RISK: "Used to buy often and spend well, but not for a while.",
    S.CANNOT_LOSE_THEM: "Among the biggest spenders and most frequent buyers, gone quiet.",
    S.HIBERNATING: "Last ordered long ago, with few orders and low spend.",
    S.LOST: "Lowest recency, frequency and spend.",
}


def grid_cells(segment: RfmSegment) -> list[tuple[int, int]]:
    """The (recency score, FM score) cells of the grid that make up `segment`."""
    return [(r, fm) for r, row in GRID.items() for fm, name in enumerate(row, start=1) if name == segment]


def score_windows(partition_by=None) -> dict:
    """The three NTILE(5) window expressions, over the rows of each `partition_by` group (or all)."""
    orders = {
        "recency_score": [F("last_order_date").asc(), F("id").asc()],
        "frequency_score": [F("total_orders").asc(), F("total_spent").asc(), F("id").asc()],
        "monetary_score": [F("total_spent").asc(), F("total_orders").asc(), F("id").asc()],
    }
    return {name: Window(Ntile(5), partition_by=partition_by, order_by=order) for name, order in orders.items()}


def segment_case(recency, frequency, monetary) -> models.Case:
    """CASE expression naming the segment from three score expressions (windows or plain values)."""
    fm = (frequency + monetary + 1) / 2
    cell = models.ExpressionWrapper(recency * 10 + fm, output_field=models.IntegerField())
    whens = [
        When(In(cell, [r * 10 + fm_score for r, fm_score in grid_cells(segment)]), then=Value(segment.value))
        for segment in RfmSegment
    ]
    return models.Case(*whens, default=Value(None), output_field=models.CharField())
