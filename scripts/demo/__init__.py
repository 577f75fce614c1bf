"""Demo data for the embedded run, created through the public API (so it is exactly what users could create).

``scripts/seed_demo.py`` creates the organisations and accounts through the gateway, then calls each area's
``seed(ctx)`` in order: training, plans, evaluation. Each area lives in its own module here.
"""
