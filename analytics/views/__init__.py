"""Analytics endpoints, one module per report area; `common` parses what every report takes."""
