"""Standard Webhooks deliveries of the platform's events to campus systems (issue #18, docs/webhooks.md)."""
