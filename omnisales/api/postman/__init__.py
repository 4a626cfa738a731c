"""The Postman v2.1 collection served at /postman-collection.json, generated from the OpenAPI document:
`walkthrough` lists the requests in run order, `collection` turns them into Postman items."""

from .collection import SETTINGS, build_collection
from .walkthrough import Step

__all__ = ["SETTINGS", "Step", "build_collection"]
