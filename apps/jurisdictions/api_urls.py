from rest_framework.routers import SimpleRouter

from apps.jurisdictions.api import UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
urlpatterns = router.urls
