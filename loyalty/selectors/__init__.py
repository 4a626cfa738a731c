"""Discounts and loyalty reads that are more than a filter, one module per area."""
