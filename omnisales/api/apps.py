from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "omnisales.api"
    label = "api"
    verbose_name = "API plumbing"
