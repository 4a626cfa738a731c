"""Fixed paths (rfm, segments) come before customers/<customerId> so an id never swallows them."""

from django.urls import path

from . import views

customer_list = views.CustomerViewSet.as_view({"get": "list", "post": "create"})
customer_detail = views.CustomerViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
segment_list = views.CustomerSegmentViewSet.as_view({"get": "list", "post": "create"})
segment_detail = views.CustomerSegmentViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("customers", customer_list, name="customer-list"),
    path("customers/rfm", views.CustomerRfmViewSet.as_view({"get": "list"}), name="customer-rfm"),
    path("customers/segments", segment_list, name="customer-segment-list"),
    path("customers/segments/<str:segmentId>", segment_detail, name="customer-segment-detail"),
    path(
        "customers/segments/<str:segmentId>/customers",
        views.SegmentCustomersViewSet.as_view({"get": "list"}),
        name="customer-segment-customers",
    ),
    path("customers/<str:customerId>", customer_detail, name="customer-detail"),
]
