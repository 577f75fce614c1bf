"""The service hall's identities in the gateway (S1, issue #20; docs/hall.md "Identity"): students and teachers who
sign in with their university's campus single sign-on (OpenID Connect, authorization code + PKCE) or, for a
university without SSO, from the roster its integration client pushes, activated with a one-time code."""
