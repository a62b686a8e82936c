"""The demo world (``manage.py seed_demo``): above every domain app, beside the faces (issue #21 item 4).

Each domain app's ``demo.py`` builds its own stage through its services and imports only downward; this package
runs the stages in order and hands each the world the earlier ones built, so no app below it needs to know the
apps above it."""
