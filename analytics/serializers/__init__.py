"""The analytics answers, one module per report area."""
