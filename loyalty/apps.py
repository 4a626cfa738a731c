from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Discounts and loyalty"

    def ready(self):
        from orders import discounts

        from .services import discounts as discount_services
        from .services import points

        discounts.register(discount_services.HANDLER)  # orders placed with a discountCode
        points.subscribe()  # points earned on delivery, reversed on refunds
