"""Groundswell's own analyst dashboard over any `Store`: reads, and six analyst writes (docs/dashboard.md).

`dashboards.web.app.create_app(store, config)` builds the FastAPI app; `groundswell serve` runs it.
This package file imports nothing: `groundswell --help` loads `dashboards.web.cli`, and FastAPI
loads only when `serve` runs.
"""
