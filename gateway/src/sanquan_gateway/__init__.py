"""The gateway: identity, organisations, tokens, JWKS, and the reverse proxy in front of the services."""
