"""OpenAPI examples of the analytics answers (the docs and the Postman collection share them), one module per
report area."""
