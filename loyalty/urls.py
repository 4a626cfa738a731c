from .views import discounts, programs

urlpatterns = [*discounts.urlpatterns, *programs.urlpatterns]
