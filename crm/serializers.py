"""Request and response shapes of the CRM endpoints (snake_case here; camelCase on the wire)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.models import User
from customers.models import Customer
from customers.normalize import MAX_TAG_LENGTH, MAX_TAGS, InvalidValue, normalize_email, normalize_phone
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import (
    CurrencyField,
    MoneyField,
    StrictCharField,
    StrictChoiceField,
    TenantRelatedField,
)

from . import examples
from .models import (
    MAX_LINE_ITEMS,
    OPEN_STAGES,
    Activity,
    ActivityType,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    Stage,
)

WRITABLE_LEAD_STATUSES = [status for status in LeadStatus.values if status != LeadStatus.CONVERTED]
DUPLICATE_TYPES = ["lead", "customer"]


class OwnerField(TenantRelatedField):
    """A user id (`usr_…`, as GET /api/auth/me shows it) of a member of the request's account; anyone else is
    a missing user (404 USER_NOT_FOUND)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A member of the account (usr_… id).")
        super().__init__(queryset=User.objects.all(), source="owner", **kwargs)

    def get_queryset(self):
        return User.objects.filter(memberships__account=self.context["request"].auth.account)


class ContactPhoneField(StrictCharField):
    """International phone number in, E.164 out (the rule customers use: customers.normalize)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, help_text="International format, stored as E.164 (+14155552671).", **kwargs)

    def to_internal_value(self, data):
        try:
            return normalize_phone(super().to_internal_value(data))
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from exc


def _not_blank(value: str) -> str:
    if not value.strip():
        raise serializers.ValidationError("This field may not be blank.")
    return value.strip()


# --- leads -----------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.LEADS)
class LeadSerializer(CompiledRepresentation, serializers.ModelSerializer):
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164")
    tags = serializers.ListField(child=serializers.CharField())
    owner_id = serializers.CharField(allow_null=True, help_text="The member who owns the lead.")
    customer_id = serializers.CharField(allow_null=True, help_text="The customer it converted into.")
    opportunity_id = serializers.CharField(
        source="converted_opportunity_id", allow_null=True, help_text="The opportunity its conversion opened."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "company",
            "status",
            "source",
            "owner_id",
            "tags",
            "customer_id",
            "opportunity_id",
            "converted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DuplicateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DUPLICATE_TYPES)
    id = serializers.CharField()
    name = serializers.CharField()
    matched_on = serializers.ListField(child=serializers.ChoiceField(choices=["email", "phone"]))


@extend_schema_serializer(examples=examples.LEAD_CREATED)
class LeadCreatedSerializer(LeadSerializer):
    """The new lead, with the leads and customers that share its email or phone: a warning, not a refusal."""

    duplicates = DuplicateSerializer(many=True, help_text="Possible duplicates (same normalized email or phone).")

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "duplicates"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.LEADS)
class LeadWriteSerializer(serializers.Serializer):
    """POST and PUT take the whole lead (absent optional fields get their defaults); PATCH any part."""

    name = StrictCharField(max_length=200)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True, allow_blank=True, default=None)
    phone = ContactPhoneField(required=False, allow_null=True, allow_blank=True, default=None)
    company = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    status = StrictChoiceField(
        choices=WRITABLE_LEAD_STATUSES,
        default=LeadStatus.NEW,
        help_text="converted is reached only by POST /api/crm/leads/{leadId}/convert.",
    )
    source = StrictChoiceField(choices=LeadSource.choices, default=LeadSource.OTHER)
    owner_id = OwnerField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        child=StrictCharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        default=list,
        help_text="Labels; trimmed, lower-cased and de-duplicated.",
    )

    def validate_name(self, value):
        return _not_blank(value)

    def validate_email(self, value):
        try:
            return normalize_email(value)
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from exc


# --- opportunities ---------------------------------------------------------------------------------


class LineItemSerializer(serializers.Serializer):
    product_id = serializers.CharField()
    quantity = serializers.IntegerField()
    price = MoneyField(allow_null=True, help_text="Unit price; null: the catalog price when the order is placed.")


@extend_schema_serializer(examples=examples.OPPORTUNITIES)
class OpportunitySerializer(CompiledRepresentation, serializers.ModelSerializer):
    amount = MoneyField()
    customer_id = serializers.CharField(allow_null=True)
    lead_id = serializers.CharField(allow_null=True)
    owner_id = serializers.CharField(allow_null=True)
    order_id = serializers.CharField(allow_null=True, help_text="The pending order winning it placed.")
    items = LineItemSerializer(many=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "stage",
            "amount",
            "currency",
            "probability",
            "expected_close_date",
            "customer_id",
            "lead_id",
            "owner_id",
            "items",
            "order_id",
            "lost_reason",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LineItemWriteSerializer(serializers.Serializer):
    product_id = StrictCharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    price = MoneyField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Unit price; the catalog price if left out.",
    )


def _opportunity_fields(*, defaults: bool) -> dict:
    """The writable opportunity fields; with `defaults`, what a POST or PUT leaving one out gets."""

    def optional(**kwargs):
        return {"required": False, **kwargs} if defaults else {"required": False}

    return {
        "amount": MoneyField(min_value=0, **optional(default=Decimal("0.00")), help_text="Expected deal value."),
        "currency": CurrencyField(**optional(allow_null=True, default=None), help_text="Default: the store's."),
        "probability": serializers.IntegerField(
            min_value=0,
            max_value=100,
            **optional(allow_null=True, default=None),
            help_text="Chance of winning in percent; default: the stage's (10, 25, 50, 75; won 100, lost 0).",
        ),
        "expected_close_date": serializers.DateField(**optional(allow_null=True, default=None)),
        "owner_id": OwnerField(**optional(allow_null=True, default=None)),
        "items": LineItemWriteSerializer(
            many=True,
            max_length=MAX_LINE_ITEMS,
            **optional(default=list),
            help_text="Line items of the order winning it can place (one line per product).",
        ),
    }


@extend_schema_serializer(examples=examples.OPPORTUNITIES)
class OpportunityWriteSerializer(serializers.Serializer):
    """POST takes an open stage; PUT and PATCH leave the stage alone (PUT /api/crm/opportunities/{id}/stage
    moves it)."""

    name = StrictCharField(max_length=200)
    stage = StrictChoiceField(choices=OPEN_STAGES, default=Stage.PROSPECTING)
    customer_id = TenantRelatedField(source="customer", queryset=Customer.objects.all(), allow_null=True, default=None)
    lead_id = TenantRelatedField(source="lead", queryset=Lead.objects.all(), allow_null=True, default=None)
    locals().update(_opportunity_fields(defaults=True))

    def validate_name(self, value):
        return _not_blank(value)


@extend_schema_serializer(examples=examples.OPPORTUNITIES)
class OpportunityUpdateSerializer(OpportunityWriteSerializer):
    stage = serializers.CharField(read_only=True, help_text="Moved by PUT /api/crm/opportunities/{id}/stage.")


@extend_schema_serializer(examples=examples.STAGE)
class StageSerializer(serializers.Serializer):
    stage = StrictChoiceField(choices=Stage.choices)
    lost_reason = StrictCharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Required to lose; only then."
    )
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None, help_text="Default: the stage's."
    )
    create_order = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Winning: place a pending order for the customer from the opportunity's items.",
    )


# --- conversion ------------------------------------------------------------------------------------


class ConvertOpportunitySerializer(serializers.Serializer):
    """Every field optional: the name defaults to the lead's company (or name), the owner to the lead's."""

    name = StrictCharField(max_length=200, required=False)
    stage = StrictChoiceField(choices=OPEN_STAGES, required=False)
    locals().update(_opportunity_fields(defaults=False))

    def validate_name(self, value):
        return _not_blank(value)


@extend_schema_serializer(examples=examples.CONVERT)
class ConvertSerializer(serializers.Serializer):
    customer_id = TenantRelatedField(
        source="customer",
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Link this customer; default: the customer with the lead's email, else a new one.",
    )
    opportunity = ConvertOpportunitySerializer(
        required=False, allow_null=True, default=None, help_text="Also open an opportunity (null: none)."
    )


@extend_schema_serializer(examples=examples.CONVERTED)
class ConvertResultSerializer(serializers.Serializer):
    lead = LeadSerializer()
    customer_id = serializers.CharField()
    customer_created = serializers.BooleanField(help_text="false: an existing customer was linked.")
    opportunity = OpportunitySerializer(allow_null=True)


# --- activities ------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.ACTIVITIES)
class ActivitySerializer(CompiledRepresentation, serializers.ModelSerializer):
    owner_id = serializers.CharField(allow_null=True)
    lead_id = serializers.CharField(allow_null=True)
    opportunity_id = serializers.CharField(allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "type",
            "subject",
            "body",
            "due_date",
            "done",
            "done_at",
            "owner_id",
            "lead_id",
            "opportunity_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.ACTIVITIES)
class ActivityWriteSerializer(serializers.Serializer):
    """Only tasks take dueDate and done; the owner defaults to the lead's or opportunity's."""

    type = StrictChoiceField(choices=ActivityType.choices)
    subject = StrictCharField(max_length=200)
    body = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    done = serializers.BooleanField(required=False, default=False)
    owner_id = OwnerField(required=False, allow_null=True, default=None)

    def validate_subject(self, value):
        return _not_blank(value)


# --- pipeline --------------------------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = MoneyField(help_text="Sum of amounts.")
    weighted_amount = MoneyField(help_text="Sum of amount × probability / 100.")


class StageFiguresSerializer(FiguresSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices)


@extend_schema_serializer(examples=examples.PIPELINE)
class PipelineSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="Only opportunities in this currency are counted.")
    stages = StageFiguresSerializer(many=True)
    open = FiguresSerializer(help_text="The open stages together (prospecting to negotiation).")
