"""The loyalty endpoints: programs, members and their ledger, redeem and adjust — statuses, the error
envelope, strict input, tenancy and scopes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from loyalty import services
from loyalty.models import DiscountCode, LoyaltyMember, LoyaltyProgram, LoyaltyTier, PointsTransaction
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory
from orders.models import Order

pytestmark = pytest.mark.django_db

PROGRAM = {
    "name": "Rewards",
    "pointsPerCurrencyUnit": 1,
    "pointValue": 0.01,
    "minimumRedemption": 100,
    "expiryMonths": 12,
    "tierBasis": "points",
    "tiers": [
        {"name": "Gold", "threshold": 2000, "multiplier": 2},
        {"name": "Silver", "threshold": 500, "multiplier": 1.25},
    ],
}


def points_rows() -> int:
    return PointsTransaction.objects.count()


# --- programs -------------------------------------------------------------------------------------------


def test_a_program_is_created_with_its_tiers_and_read_back(api):
    response = api.post("/api/loyalty/programs", PROGRAM, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("loy_") and body["active"] is True
    assert [(tier["name"], tier["threshold"], tier["multiplier"]) for tier in body["tiers"]] == [
        ("Silver", 500.0, 1.25),
        ("Gold", 2000.0, 2.0),
    ]
    assert (body["pointValue"], body["minimumRedemption"], body["expiryMonths"]) == (0.01, 100, 12)
    assert api.get(f"/api/loyalty/programs/{body['id']}").json() == body
    listed = api.get("/api/loyalty/programs")
    assert listed.json() == [body] and listed["X-Total-Count"] == "1"
    assert api.get("/api/loyalty/programs", {"active": "false"}).json() == []


def test_a_second_active_program_is_409_and_an_inactive_one_is_fine(api):
    first = api.post("/api/loyalty/programs", PROGRAM, format="json").json()

    body = assert_error(api.post("/api/loyalty/programs", PROGRAM, format="json"), 409, "LOYALTY_PROGRAM_ACTIVE")
    assert body["details"] == {"activeProgramId": first["id"]}
    assert LoyaltyProgram.objects.count() == 1

    second = api.post("/api/loyalty/programs", {**PROGRAM, "active": False}, format="json")
    assert second.status_code == 201
    assert_error(
        api.patch(f"/api/loyalty/programs/{second.json()['id']}", {"active": True}, format="json"),
        409,
        "LOYALTY_PROGRAM_ACTIVE",
    )
    assert api.patch(f"/api/loyalty/programs/{first['id']}", {"active": False}, format="json").status_code == 200
    assert api.patch(f"/api/loyalty/programs/{second.json()['id']}", {"active": True}, format="json").status_code == 200


def test_tiers_are_replaced_keeping_the_ids_of_names_sent_again_and_members_follow(api, account, customer):
    program = api.post("/api/loyalty/programs", PROGRAM, format="json").json()
    silver_id = program["tiers"][0]["id"]
    services.points_adjust(account=account, customer=customer, points=1, note="A member")
    LoyaltyMember.objects.update(lifetime_points=800)

    changed = api.patch(
        f"/api/loyalty/programs/{program['id']}",
        {"tiers": [{"name": "Silver", "threshold": 2000}, {"name": "Bronze", "threshold": 100, "multiplier": 1.1}]},
        format="json",
    )

    assert changed.status_code == 200, changed.content
    tiers = changed.json()["tiers"]
    assert [(tier["name"], tier["threshold"], tier["multiplier"]) for tier in tiers] == [
        ("Bronze", 100.0, 1.1),
        ("Silver", 2000.0, 1.0),
    ]
    assert tiers[1]["id"] == silver_id
    assert LoyaltyMember.objects.get().tier.name == "Bronze"
    # PUT resets omitted fields but keeps tiers when they are left out.
    replaced = api.put(f"/api/loyalty/programs/{program['id']}", {"name": "Renamed"}, format="json").json()
    assert (replaced["name"], replaced["minimumRedemption"], len(replaced["tiers"])) == ("Renamed", 0, 2)


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([{"name": "A", "threshold": 1}, {"name": "a", "threshold": 2}], "Tier names must be unique."),
        ([{"name": "A", "threshold": 1}, {"name": "B", "threshold": 1}], "Tier thresholds must be unique."),
    ],
)
def test_tier_names_and_thresholds_are_unique(api, tiers, message):
    body = assert_error(
        api.post("/api/loyalty/programs", {**PROGRAM, "tiers": tiers}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert body["details"] == {"tiers": [message]}
    assert not LoyaltyProgram.objects.exists()


def test_program_input_is_strict(api):
    body = assert_error(
        api.post(
            "/api/loyalty/programs",
            {**PROGRAM, "name": 42, "tiers": [{"name": "A", "threshold": 1, "multiplier": 0, "bonus": 1}], "x": 1},
            format="json",
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert body["details"]["name"] == ["Expected a string."]
    assert body["details"]["x"] == ["Unknown field."]
    assert set(body["details"]["tiers"][0]) == {"multiplier", "bonus"}
    assert_error(
        api.post("/api/loyalty/programs", {**PROGRAM, "pointValue": 0}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert not LoyaltyProgram.objects.exists()


def test_only_an_inactive_program_is_deleted(api, account, customer):
    program = api.post("/api/loyalty/programs", PROGRAM, format="json").json()
    services.points_adjust(account=account, customer=customer, points=10, note="Kept")

    assert_error(api.delete(f"/api/loyalty/programs/{program['id']}"), 409, "LOYALTY_PROGRAM_IN_USE")
    api.patch(f"/api/loyalty/programs/{program['id']}", {"active": False}, format="json")
    assert api.delete(f"/api/loyalty/programs/{program['id']}").status_code == 204

    assert not LoyaltyProgram.objects.exists() and not LoyaltyTier.objects.exists()
    assert LoyaltyMember.objects.get().points_balance == 10  # balances belong to the account


def test_another_accounts_program_is_404_and_not_listed(api, other_api):
    program = api.post("/api/loyalty/programs", PROGRAM, format="json").json()
    for method in ("get", "put", "patch", "delete"):
        response = getattr(other_api, method)(f"/api/loyalty/programs/{program['id']}", {}, format="json")
        assert_error(response, 404, "LOYALTY_PROGRAM_NOT_FOUND")
    assert other_api.get("/api/loyalty/programs").json() == []
    assert other_api.post("/api/loyalty/programs", PROGRAM, format="json").status_code == 201  # its own


def test_scopes_are_enforced(account, make_client):
    reader = make_client(account, scopes=["read:loyalty"])
    stranger = make_client(account, scopes=["read:orders"])

    assert reader.get("/api/loyalty/programs").status_code == 200
    assert reader.get("/api/loyalty/members").status_code == 200
    for path in ("/api/loyalty/programs", "/api/loyalty/redeem", "/api/loyalty/adjust"):
        body = assert_error(reader.post(path, {}, format="json"), 403, "INSUFFICIENT_SCOPE")
        assert "write:loyalty" in body["error"]
    assert_error(stranger.get("/api/loyalty/members"), 403, "INSUFFICIENT_SCOPE")
    writer = make_client(account, scopes=["write:loyalty"])
    assert writer.post("/api/loyalty/programs", PROGRAM, format="json").status_code == 201


# --- members and their ledger ---------------------------------------------------------------------------


@pytest.fixture
def members(account, program):
    """Three members: Ada (120 points, Silver), Grace (40), Alan (5)."""
    services.loyalty_program_update(
        program=program,
        changes={"tiers": [{"name": "Silver", "threshold": Decimal("100"), "multiplier": Decimal("1.5")}]},
    )
    made = {}
    for name, points in (("Ada", 120), ("Grace", 40), ("Alan", 5)):
        customer = CustomerFactory(account=account, name=f"{name} Example", email=f"{name.lower()}@example.com")
        services.points_adjust(account=account, customer=customer, points=points, note="Start")
        made[name] = customer
    LoyaltyMember.objects.filter(customer=made["Ada"]).update(lifetime_points=120)
    services.loyalty_program_update(
        program=program,
        changes={
            "tiers": [
                {"name": "Silver", "threshold": Decimal("100"), "multiplier": Decimal("1.5")},
                {"name": "Gold", "threshold": Decimal("500"), "multiplier": Decimal("2")},
            ]
        },
    )
    return made


def test_a_member_shows_balance_tier_expiring_points_and_the_next_tier(api, members):
    ada = members["Ada"]

    body = api.get(f"/api/loyalty/members/{ada.pk}").json()

    assert body["customerId"] == ada.pk and body["id"].startswith("lmem_")
    assert (body["customerName"], body["customerEmail"]) == ("Ada Example", "ada@example.com")
    assert (body["pointsBalance"], body["lifetimePoints"], body["lifetimeSpend"]) == (120, 120, 0.0)
    assert body["tier"]["name"] == "Silver" and body["tier"]["multiplier"] == 1.5
    assert body["pointsExpiringSoon"]["points"] == 0  # 12 months away
    assert body["nextTier"]["name"] == "Gold" and body["nextTier"]["toGo"] == 380.0
    assert body["joinedAt"].endswith("Z")


def test_members_are_filtered_searched_and_ordered(api, members):
    def names(**params):
        response = api.get("/api/loyalty/members", params)
        assert response.status_code == 200, response.content
        return [row["customerName"].split()[0] for row in response.json()]

    assert names(ordering="-pointsBalance") == ["Ada", "Grace", "Alan"]
    assert names(minBalance=40, ordering="pointsBalance") == ["Grace", "Ada"]
    assert names(search="GRACE@") == ["Grace"]
    tier_id = LoyaltyTier.objects.get(name="Silver").pk
    assert names(tier=tier_id) == ["Ada"]
    assert_error(api.get("/api/loyalty/members", {"minBalance": "many"}), 400, "INVALID_PARAMETER")
    assert_error(api.get("/api/loyalty/members", {"ordering": "name"}), 400, "INVALID_PARAMETER")


def test_the_members_list_reads_in_a_fixed_number_of_statements(api, account, members):
    def count():
        api.get("/api/loyalty/members", {"ordering": "pointsBalance"})
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/api/loyalty/members", {"ordering": "pointsBalance"}).json()) >= 3
        return len(queries)

    few = count()
    for number in range(5):
        services.points_adjust(account=account, customer=CustomerFactory(account=account), points=number + 1, note="x")
    assert count() == few
    assert few <= 5


def test_the_ledger_is_paged_newest_first(api, account, members):
    ada = members["Ada"]
    services.points_adjust(account=account, customer=ada, points=-20, note="Correction")

    response = api.get(f"/api/loyalty/members/{ada.pk}/transactions", {"limit": 1})

    assert response["X-Total-Count"] == "2"
    [row] = response.json()
    assert (row["kind"], row["points"], row["balanceAfter"], row["note"]) == ("adjust", -20, 100, "Correction")
    assert set(row) == {
        "id",
        "kind",
        "points",
        "balanceAfter",
        "orderId",
        "note",
        "remaining",
        "expiresAt",
        "createdAt",
    }
    assert api.get(f"/api/loyalty/members/{ada.pk}/transactions", {"kind": "expire"}).json() == []


def test_another_accounts_customer_and_a_customer_without_points_are_404(api, other_api, members, make_customer):
    ada = members["Ada"]
    for path in (f"/api/loyalty/members/{ada.pk}", f"/api/loyalty/members/{ada.pk}/transactions"):
        assert_error(other_api.get(path), 404, "CUSTOMER_NOT_FOUND")
    assert other_api.get("/api/loyalty/members").json() == []
    newcomer = make_customer()
    assert_error(api.get(f"/api/loyalty/members/{newcomer.pk}"), 404, "LOYALTY_MEMBER_NOT_FOUND")
    assert_error(api.get(f"/api/loyalty/members/{newcomer.pk}/transactions"), 404, "LOYALTY_MEMBER_NOT_FOUND")


# --- redeem ---------------------------------------------------------------------------------------------


@pytest.fixture
def rich(account, program, customer):
    """`customer` with 1000 points (worth 10.00)."""
    services.points_adjust(account=account, customer=customer, points=1000, note="Start")
    return customer


def redeem(api, customer, order, points):
    return api.post(
        "/api/loyalty/redeem", {"customerId": customer.pk, "points": points, "orderId": order.pk}, format="json"
    )


def test_redeeming_takes_money_off_the_order_and_the_customers_total_spent(api, rich, make_order):
    order = make_order("50.00")
    rich.refresh_from_db()
    spent_before = rich.total_spent

    response = redeem(api, rich, order, 250)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pointsBalance"] == 750 and body["amount"] == 2.5
    assert body["order"] == {"id": order.pk, "discount": 2.5, "total": 47.5, "currency": order.currency}
    assert (body["transaction"]["kind"], body["transaction"]["points"], body["transaction"]["orderId"]) == (
        "redeem",
        -250,
        order.pk,
    )
    order.refresh_from_db()
    assert (order.total, order.discount_amount) == (Decimal("47.50"), Decimal("2.50"))
    rich.refresh_from_db()
    assert rich.total_spent == spent_before - Decimal("2.50")
    assert PointsTransaction.objects.get(kind="adjust").remaining == 750


def test_redeeming_more_than_the_balance_writes_nothing(api, rich, make_order):
    order = make_order("50.00")
    rows = points_rows()

    body = assert_error(redeem(api, rich, order, 1001), 422, "INSUFFICIENT_POINTS")

    assert body["details"] == {"requested": 1001, "balance": 1000}
    assert points_rows() == rows
    order.refresh_from_db()
    assert (order.total, order.discount_amount) == (Decimal("50.00"), Decimal("0.00"))
    assert LoyaltyMember.objects.get().points_balance == 1000


def test_redeeming_is_refused_below_the_minimum_beyond_the_order_and_without_a_program(
    api, account, rich, program, make_order
):
    services.loyalty_program_update(program=program, changes={"minimum_redemption": 100})
    order = make_order("5.00")
    rows = points_rows()

    body = assert_error(redeem(api, rich, order, 99), 422, "BELOW_MINIMUM_REDEMPTION")
    assert body["details"] == {"requested": 99, "minimum": 100}
    body = assert_error(redeem(api, rich, order, 600), 422, "VALIDATION_ERROR")  # 6.00 off a 5.00 order
    assert list(body["details"]) == ["points"]
    for status in ("processing", "shipped"):
        from orders import services as order_services

        order = order_services.order_transition(order=order, to_status=status)
    assert_error(redeem(api, rich, order, 100), 409, "ORDER_NOT_DISCOUNTABLE")
    services.loyalty_program_update(program=program, changes={"active": False})
    assert_error(redeem(api, rich, make_order("50.00"), 100), 409, "NO_ACTIVE_LOYALTY_PROGRAM")
    assert points_rows() == rows


def test_points_are_redeemed_only_with_a_combinable_discount_code(api, account, rich, make_order):
    code = DiscountCode.objects.create(account=account, code="Summer10", type="fixed_amount", currency="USD")
    order = make_order("50.00")
    Order.objects.filter(pk=order.pk).update(discount_code="SUMMER10")

    body = assert_error(redeem(api, rich, order, 100), 422, "DISCOUNT_NOT_COMBINABLE")
    assert body["details"] == {"discountCode": "SUMMER10"}

    DiscountCode.objects.filter(pk=code.pk).update(combinable=True)
    assert redeem(api, rich, order, 100).status_code == 200


def test_another_customers_or_accounts_order_or_customer_is_404(api, other_api, other_account, rich, make_order):
    others_order = make_order("50.00", customer=CustomerFactory(account=rich.account))
    assert_error(redeem(api, rich, others_order, 100), 404, "ORDER_NOT_FOUND")

    foreign_customer = CustomerFactory(account=other_account)
    assert_error(redeem(api, foreign_customer, make_order("50.00"), 100), 404, "CUSTOMER_NOT_FOUND")
    assert_error(redeem(other_api, rich, make_order("50.00"), 100), 404, "CUSTOMER_NOT_FOUND")
    assert LoyaltyMember.objects.get().points_balance == 1000


def test_redeem_input_is_strict(api, rich, make_order):
    order = make_order("50.00")
    body = assert_error(
        api.post(
            "/api/loyalty/redeem",
            {"customerId": rich.pk, "points": "100", "orderId": order.pk, "amount": 1},
            format="json",
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert body["details"]["amount"] == ["Unknown field."]
    assert_error(redeem(api, rich, order, 0), 422, "VALIDATION_ERROR")


# --- adjust ---------------------------------------------------------------------------------------------


def test_an_adjustment_adds_or_takes_points_with_a_note(api, program, customer):
    added = api.post(
        "/api/loyalty/adjust", {"customerId": customer.pk, "points": 200, "note": "Goodwill"}, format="json"
    )

    assert added.status_code == 200, added.content
    body = added.json()
    assert body["pointsBalance"] == 200
    assert (body["transaction"]["kind"], body["transaction"]["remaining"]) == ("adjust", 200)
    assert body["transaction"]["expiresAt"] is not None

    taken = api.post("/api/loyalty/adjust", {"customerId": customer.pk, "points": -50, "note": "Fix"}, format="json")
    assert taken.json()["pointsBalance"] == 150
    row = PointsTransaction.objects.filter(points=-50).get()
    assert (row.actor_type, row.note) == ("api_key", "Fix")


def test_an_adjustment_is_refused_without_note_beyond_the_balance_or_for_zero(api, customer, other_account):
    path = "/api/loyalty/adjust"
    body = assert_error(
        api.post(path, {"customerId": customer.pk, "points": 5}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert list(body["details"]) == ["note"]
    assert_error(
        api.post(path, {"customerId": customer.pk, "points": 0, "note": "x"}, format="json"), 422, "VALIDATION_ERROR"
    )
    body = assert_error(
        api.post(path, {"customerId": customer.pk, "points": -5, "note": "x"}, format="json"),
        422,
        "INSUFFICIENT_POINTS",
    )
    assert body["details"] == {"requested": 5, "balance": 0}
    foreign = CustomerFactory(account=other_account)
    assert_error(
        api.post(path, {"customerId": foreign.pk, "points": 5, "note": "x"}, format="json"), 404, "CUSTOMER_NOT_FOUND"
    )
    assert not LoyaltyMember.objects.exists() and points_rows() == 0
    assert Customer.objects.filter(pk=customer.pk).exists()
