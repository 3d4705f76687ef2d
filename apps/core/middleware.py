"""Security headers Django does not send by itself."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none of its own.

    All scripts, styles, fonts and images are served by the portal itself (no CDN), so the policy
    can be strict: no inline scripts, nothing from other origins, no framing. A view that needs
    something else (an attachment download with a sandbox policy) sets its own header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class AuditContextMiddleware:
    """Bind the request for ``apps.core.audit``: its source address goes into every audit entry
    (等保 安全审计) recorded while it is served, wherever the auditing service runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from apps.core import audit

        token = audit.bind_request(request)
        try:
            return self.get_response(request)
        finally:
            audit.unbind_request(token)
