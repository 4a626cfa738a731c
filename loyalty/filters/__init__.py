"""Query-parameter filters of the discounts and loyalty lists, one module per area."""
