"""The oauthlib server behind /o/: the authorization-code grant and its refresh tokens, PKCE S256 only."""

from oauthlib.oauth2 import WebApplicationServer
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256


class AuthorizationCodeServer(WebApplicationServer):
    """No password, client-credentials, implicit or device grant exists here, whatever grant type an
    application row claims. PKCE's "plain" method (the verifier sent as the challenge) is refused when
    the authorization is requested, so the consent page is never shown for it."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}
