"""Groundswell's own analyst dashboard: a read-only web app over any `Store`.

`create_app(store, config)` builds the FastAPI app; `groundswell serve` runs it.
"""

from dashboards.web.app import create_app

__all__ = ["create_app"]
