from rest_framework.routers import SimpleRouter

from apps.portal.api import UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
urlpatterns = router.urls
