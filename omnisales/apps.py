from django.contrib.admin.apps import AdminConfig


class OmniSalesAdminConfig(AdminConfig):
    """django.contrib.admin with the Omni Sales site (branding, dashboard) as `admin.site`."""

    default_site = "omnisales.admin_site.OmniSalesAdminSite"
