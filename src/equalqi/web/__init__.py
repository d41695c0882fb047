"""The equalqi web app: FastAPI pages in the NHS.UK design and a JSON API over the registry.

Build an app with :func:`create_app` (``equalqi serve`` does this with the embedded defaults).
"""

from equalqi.web.app import create_app
from equalqi.web.settings import Settings

__all__ = ["Settings", "create_app"]
