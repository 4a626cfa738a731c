"""Discounts and loyalty bodies and representations, one module per area: `discounts` and `programs`."""
