from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Names the person by ``preferred_username`` (the claim the portal is configured to read)."""

    oidc_claim_scope = None  # every claim to every client: this provider has one client

    def get_additional_claims(self, request):
        return {"preferred_username": request.user.username, "email": request.user.email,
                "name": request.user.first_name}
