from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        from webhooks import subscribers

        from . import transactional

        subscribers.subscribe(transactional.ORDER_EVENTS, transactional.order_event_received)
