from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"

    def ready(self):
        from catalog import stock

        from . import selectors

        stock.register(selectors.variant_stock_totals)  # stock totals in product reads
