"""Discounts and loyalty endpoints, one module per area: `discounts` and `programs`."""
