from django.conf import settings


def portal(request):
    return {"PORTAL_NAME": "应急合规", "PORTAL_FULL_NAME": "基层应急管理履职合规平台", "DEBUG": settings.DEBUG,
            "OIDC_ENABLED": settings.OIDC_ENABLED}
