"""What the benchmarks share: removing the throwaway account a run seeded."""


def drop_account(account) -> None:
    """Deletes the seeded account; stock rows protect their products and warehouses, so they go first.

    The stock ledger is append-only in the application (its queryset refuses delete()); this throwaway
    account's rows are removed with one plain DELETE.
    """
    from django.db import connection, transaction

    from inventory.models import StockLevel, StockMovement, StockReservation, StockTransfer, Warehouse
    from orders.models import Order

    with transaction.atomic():
        StockReservation.objects.filter(account=account).delete()
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(StockMovement._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE account_id = %s", [account.pk])
        for model in (StockTransfer, StockLevel, Order, Warehouse):
            model.objects.filter(account=account).delete()
        account.delete()
