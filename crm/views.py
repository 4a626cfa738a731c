"""CRM endpoints: parse, call one service or selector, render. The lead or opportunity in the path is always
looked up (404 for another account's) before the body is read."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.examples import INSUFFICIENT_STOCK
from omnisales.api.actors import actor_from_auth
from omnisales.api.money import is_currency
from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet

from . import examples, selectors, services
from .filters import LeadFilterSet, OpportunityFilterSet, PipelineFilterSet, TaskFilterSet
from .models import Activity, Lead, Opportunity
from .serializers import (
    ActivitySerializer,
    ActivityWriteSerializer,
    ConvertResultSerializer,
    ConvertSerializer,
    LeadCreatedSerializer,
    LeadSerializer,
    LeadWriteSerializer,
    OpportunitySerializer,
    OpportunityUpdateSerializer,
    OpportunityWriteSerializer,
    PipelineSerializer,
    StageSerializer,
)

TAGS = ["crm"]

ERRORS = ErrorCatalog(
    error_example(
        "LEAD_ALREADY_CONVERTED",
        "This lead was already converted",
        {"id": examples.LEAD_ID, "customerId": examples.CUSTOMER_ID, "opportunityId": examples.OPPORTUNITY_ID},
    ),
    error_example(
        "INVALID_STAGE_TRANSITION",
        "An opportunity cannot go from won to lost",
        {"from": "won", "to": "lost", "allowed": []},
    ),
    error_example(
        "OPPORTUNITY_CLOSED",
        "A won opportunity's probability is fixed at 100",
        {"stage": "won", "probability": 100},
    ),
    error_example("CUSTOMER_ANONYMIZED", "This customer was deleted and cannot place orders", {"id": "cus_123"}),
    error_example(*INSUFFICIENT_STOCK),
)


class CrmViewSet(TenantViewSet):
    scope_area = "crm"

    @property
    def actor(self):
        return actor_from_auth(self.auth_context)


class ActivitiesMixin:
    """GET and POST …/{id}/activities of the lead or opportunity in the path."""

    activity_parent = ""  # "lead" or "opportunity"

    def _activities(self):
        parent = self.get_object()
        return self.paginated(selectors.activities_of(parent), ActivitySerializer)

    def _add_activity(self):
        parent = self.get_object()
        data = self.payload(ActivityWriteSerializer)
        activity = services.activity_create(account=self.account, **{self.activity_parent: parent}, **data)
        return self.respond(ActivitySerializer, activity, status.HTTP_201_CREATED)


def _activity_schemas(noun: str):
    """The schema of the two activity operations on a lead or an opportunity."""
    listed = extend_schema(
        summary=f"List a{'n' if noun[0] in 'aeiou' else ''} {noun}'s activities, newest first",
        responses={200: ActivitySerializer(many=True)},
        tags=TAGS,
    )
    added = extend_schema(
        summary=f"Log a call, email, meeting, note or task on a{'n' if noun[0] in 'aeiou' else ''} {noun}",
        description=f"Only tasks take dueDate and done. The owner defaults to the {noun}'s owner.",
        request=ActivityWriteSerializer,
        responses={201: ActivitySerializer},
        tags=TAGS,
    )
    return listed, added


LEAD_ACTIVITIES, LEAD_ACTIVITY_ADD = _activity_schemas("lead")
OPPORTUNITY_ACTIVITIES, OPPORTUNITY_ACTIVITY_ADD = _activity_schemas("opportunity")


@extend_schema_view(
    list=extend_schema(summary="List leads", tags=TAGS),
    retrieve=extend_schema(summary="Get a lead", tags=TAGS),
)
class LeadViewSet(ActivitiesMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, CrmViewSet):
    """Leads: prospective buyers, newest first."""

    queryset = Lead.objects.all()
    serializer_class = LeadSerializer
    write_serializer_class = LeadWriteSerializer
    filterset_class = LeadFilterSet
    lookup_url_kwarg = "leadId"
    activity_parent = "lead"

    def perform_update_with(self, lead, data):
        return services.lead_update(lead=lead, changes=data)

    @extend_schema(
        summary="Create a lead",
        description="Email and phone are normalized (lower case; E.164). A lead sharing its email or phone with "
        "another lead or a customer is still created, and `duplicates` names them.",
        request=LeadWriteSerializer,
        responses={201: LeadCreatedSerializer},
        tags=TAGS,
    )
    def create(self, request):
        lead = services.lead_create(account=self.account, **self.payload(LeadWriteSerializer))
        lead.duplicates = selectors.lead_duplicates(
            account=self.account, email=lead.email, phone=lead.phone, exclude_id=lead.pk
        )
        return self.respond(LeadCreatedSerializer, lead, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace a lead (absent optional fields get their defaults)",
        request=LeadWriteSerializer,
        responses={200: LeadSerializer, 409: ERRORS.response("LEAD_ALREADY_CONVERTED")},
        examples=[*examples.LEAD_PUT, examples.LEADS[1]],
        tags=TAGS,
    )
    def update(self, request, leadId=None):
        return super().update(request, partial=False)

    @extend_schema(
        summary="Change part of a lead",
        request=LeadWriteSerializer(partial=True),
        responses={200: LeadSerializer, 409: ERRORS.response("LEAD_ALREADY_CONVERTED")},
        examples=[*examples.LEAD_PATCH, examples.LEADS[1]],
        tags=TAGS,
    )
    def partial_update(self, request, leadId=None):
        return super().update(request, partial=True)

    @extend_schema(
        summary="Delete a lead and its activities",
        description="A customer or opportunity it converted into stays.",
        responses={204: None},
        tags=TAGS,
    )
    def destroy(self, request, leadId=None):
        services.lead_delete(lead=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Convert a lead into a customer (and optionally an opportunity)",
        description="In one transaction: links `customerId`, else the customer with the lead's email, else creates "
        "a customer from the lead; with `opportunity`, opens one for that customer. The lead becomes converted and "
        "keeps links to both. Converting again is 409 LEAD_ALREADY_CONVERTED.",
        request=ConvertSerializer,
        responses={200: ConvertResultSerializer, 409: ERRORS.response("LEAD_ALREADY_CONVERTED")},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="convert", url_name="convert")
    def convert(self, request, leadId=None):
        lead = self.get_object()
        data = self.payload(ConvertSerializer)
        lead, customer, created, opportunity = services.lead_convert(
            lead=lead, customer=data["customer"], opportunity=data["opportunity"]
        )
        result = {"lead": lead, "customer_id": customer.pk, "customer_created": created, "opportunity": opportunity}
        return self.respond(ConvertResultSerializer, result)

    @LEAD_ACTIVITIES
    @action(detail=True, methods=["get"], url_path="activities", url_name="activities", filter_backends=[])
    def activities(self, request, leadId=None):
        return self._activities()

    @LEAD_ACTIVITY_ADD
    @activities.mapping.post
    def add_activity(self, request, leadId=None):
        return self._add_activity()


@extend_schema_view(
    list=extend_schema(summary="List opportunities", tags=TAGS),
    retrieve=extend_schema(summary="Get an opportunity", tags=TAGS),
)
class OpportunityViewSet(ActivitiesMixin, ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, CrmViewSet):
    """Opportunities (deals), newest first."""

    queryset = Opportunity.objects.all()
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    lookup_url_kwarg = "opportunityId"
    activity_parent = "opportunity"

    def get_write_serializer_class(self):
        return OpportunityWriteSerializer if self.action == "create" else OpportunityUpdateSerializer

    def perform_create_with(self, data):
        return services.opportunity_create(account=self.account, **data)

    def perform_update_with(self, opportunity, data):
        return services.opportunity_update(opportunity=opportunity, changes=data)

    @extend_schema(
        summary="Create an opportunity",
        description="It starts in an open stage (default prospecting); probability defaults to the stage's, "
        "currency to the store's. `items` are the lines of the order winning it can place.",
        request=OpportunityWriteSerializer,
        responses={201: OpportunitySerializer},
        tags=TAGS,
    )
    def create(self, request):
        return super().create(request)

    @extend_schema(
        summary="Replace an opportunity's details (the stage moves through …/stage)",
        request=OpportunityUpdateSerializer,
        responses={200: OpportunitySerializer, 409: ERRORS.response("OPPORTUNITY_CLOSED")},
        examples=[*examples.OPPORTUNITY_PUT, examples.OPPORTUNITIES[1]],
        tags=TAGS,
    )
    def update(self, request, opportunityId=None):
        return super().update(request, partial=False)

    @extend_schema(
        summary="Change part of an opportunity's details",
        request=OpportunityUpdateSerializer(partial=True),
        responses={200: OpportunitySerializer, 409: ERRORS.response("OPPORTUNITY_CLOSED")},
        examples=[*examples.OPPORTUNITY_PATCH, examples.OPPORTUNITIES[1]],
        tags=TAGS,
    )
    def partial_update(self, request, opportunityId=None):
        return super().update(request, partial=True)

    @extend_schema(
        summary="Delete an opportunity and its activities",
        description="An order it placed stays.",
        responses={204: None},
        tags=TAGS,
    )
    def destroy(self, request, opportunityId=None):
        services.opportunity_delete(opportunity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move an opportunity to another stage",
        description="Open stages (prospecting, qualification, proposal, negotiation) move anywhere; a lost "
        "opportunity can be reopened; won is final. Anything else is 409 INVALID_STAGE_TRANSITION {from, to, "
        "allowed}. Lost needs lostReason. Probability becomes the stage's unless given (won 100, lost 0). "
        "`createOrder` with won places a pending order for the customer from the items, in the same "
        "transaction (its errors, such as 409 INSUFFICIENT_STOCK, leave the stage as it was).",
        request=StageSerializer,
        responses={
            200: OpportunitySerializer,
            409: ERRORS.response("INVALID_STAGE_TRANSITION", "CUSTOMER_ANONYMIZED", "INSUFFICIENT_STOCK"),
        },
        examples=[*examples.STAGE, *examples.WON],
        tags=TAGS,
    )
    @action(detail=True, methods=["put"], url_path="stage", url_name="stage")
    def stage(self, request, opportunityId=None):
        opportunity = self.get_object()
        data = self.payload(StageSerializer)
        opportunity = services.opportunity_stage_set(opportunity=opportunity, actor=self.actor, **data)
        return Response(self.represent(opportunity))

    @OPPORTUNITY_ACTIVITIES
    @action(detail=True, methods=["get"], url_path="activities", url_name="activities", filter_backends=[])
    def activities(self, request, opportunityId=None):
        return self._activities()

    @OPPORTUNITY_ACTIVITY_ADD
    @activities.mapping.post
    def add_activity(self, request, opportunityId=None):
        return self._add_activity()


@extend_schema_view(
    retrieve=extend_schema(summary="Get an activity", tags=TAGS),
)
class ActivityViewSet(ServiceUpdateMixin, RetrieveMixin, CrmViewSet):
    """One activity of a lead or an opportunity."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    write_serializer_class = ActivityWriteSerializer
    lookup_url_kwarg = "activityId"

    def perform_update_with(self, activity, data):
        return services.activity_update(activity=activity, changes=data)

    @extend_schema(
        summary="Replace an activity",
        request=ActivityWriteSerializer,
        responses={200: ActivitySerializer},
        tags=TAGS,
    )
    def update(self, request, activityId=None):
        return super().update(request, partial=False)

    @extend_schema(
        summary="Change part of an activity (done: true completes a task)",
        request=ActivityWriteSerializer(partial=True),
        responses={200: ActivitySerializer},
        examples=[*examples.ACTIVITY_PATCH, examples.ACTIVITIES[-1]],
        tags=TAGS,
    )
    def partial_update(self, request, activityId=None):
        return super().update(request, partial=True)

    @extend_schema(summary="Delete an activity", responses={204: None}, tags=TAGS)
    def destroy(self, request, activityId=None):
        services.activity_delete(activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List open tasks, soonest due first",
        description="Tasks not done, of every lead and opportunity; `due` narrows them by due date in the store's "
        "time zone.",
        tags=TAGS,
    )
)
class TaskViewSet(ListMixin, CrmViewSet):
    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = TaskFilterSet

    def get_queryset(self):
        return selectors.open_tasks(super().get_queryset())


PIPELINE_FILTERS = [
    OpenApiParameter("ownerId", str, description="Opportunities owned by this member (usr_… id)."),
    OpenApiParameter(
        "expectedCloseAfter", OpenApiTypes.DATE, description="Expected to close on or after this date (YYYY-MM-DD)."
    ),
    OpenApiParameter(
        "expectedCloseBefore", OpenApiTypes.DATE, description="Expected to close on or before this date (YYYY-MM-DD)."
    ),
    OpenApiParameter(
        "currency", str, description="Count opportunities in this currency (ISO 4217); default: the store's."
    ),
]


class PipelineViewSet(CrmViewSet):
    """The pipeline's figures per stage, computed in one SQL statement."""

    queryset = Opportunity.objects.all()
    serializer_class = PipelineSerializer
    filterset_class = PipelineFilterSet
    pagination_class = None

    @extend_schema(
        summary="The sales pipeline: count, amount and weighted amount per stage",
        description="Weighted amount = amount × probability / 100. Filter by owner and by expected close date "
        "(a period: expectedCloseAfter and expectedCloseBefore, inclusive).",
        parameters=PIPELINE_FILTERS,
        responses={200: PipelineSerializer},
        tags=TAGS,
    )
    def figures(self, request):
        currency = (request.query_params.get("currency") or self.account.currency).upper()
        if not is_currency(currency):
            raise InvalidQueryParameter(
                "Invalid query parameter: currency", details={"currency": ["Not an ISO 4217 currency code."]}
            )
        opportunities = self.filter_queryset(self.get_queryset()).filter(currency=currency)
        return self.respond(PipelineSerializer, {"currency": currency, **selectors.pipeline(opportunities)})
