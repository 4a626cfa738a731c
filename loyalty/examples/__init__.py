"""OpenAPI examples of the discounts and loyalty bodies, one module per area."""
