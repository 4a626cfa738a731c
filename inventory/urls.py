from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("inventory/warehouses", views.WarehouseViewSet, basename="warehouse")
router.register("inventory/stock", views.StockLevelViewSet, basename="stock-level")
router.register("inventory/movements", views.MovementViewSet, basename="stock-movement")
router.register("inventory/transfers", views.TransferViewSet, basename="stock-transfer")
router.register("inventory/alerts", views.AlertViewSet, basename="stock-alert")

urlpatterns = router.urls
