"""Reads of returns and reviews that are more than a filter: returns with their items and refunds at a
fixed number of statements, and a product's review summary in one aggregate statement."""

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet

from .models import ReturnItem, ReturnRefund, ReturnRequest, Review, ReviewStatus

RATINGS = (1, 2, 3, 4, 5)


def returns_with_items(queryset: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
    """Each return with its items (in the order sent) and refunds (oldest first): three statements a page."""
    return queryset.prefetch_related(
        Prefetch(
            "items",
            queryset=ReturnItem.objects.annotate(variant_title=F("order_item__variant_title")).order_by(
                "position", "id"
            ),
        ),
        Prefetch("refunds", queryset=ReturnRefund.objects.order_by("created_at", "id")),
    )


def approved_reviews(queryset: QuerySet[Review]) -> QuerySet[Review]:
    """The published reviews among `queryset`, newest first."""
    return queryset.filter(status=ReviewStatus.APPROVED).order_by("-created_at", "-id")


def review_summary(queryset: QuerySet[Review]) -> dict:
    """Average rating (two decimals, null without reviews), count and histogram {"1": n, … "5": n} of the
    reviews in `queryset`, in ONE statement (conditional aggregation)."""
    row = queryset.order_by().aggregate(
        average=Avg("rating"),
        count=Count("id"),
        **{f"rating_{rating}": Count("id", filter=Q(rating=rating)) for rating in RATINGS},
    )
    average = row["average"]
    return {
        "average": None if average is None else round(float(average), 2),
        "count": row["count"],
        "histogram": {str(rating): row[f"rating_{rating}"] for rating in RATINGS},
    }
