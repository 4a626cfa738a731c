from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("crm/leads", views.LeadViewSet, basename="crm-lead")
router.register("crm/opportunities", views.OpportunityViewSet, basename="crm-opportunity")
router.register("crm/activities", views.ActivityViewSet, basename="crm-activity")
router.register("crm/tasks", views.TaskViewSet, basename="crm-task")

urlpatterns = [
    path("crm/pipeline", views.PipelineViewSet.as_view({"get": "figures"}), name="crm-pipeline"),
    *router.urls,
]
