"""Analytics reads, one module per report area; `common` holds the period and rounding rules they share."""
