"""``sbkit serve``: a drawing page and a REST API over one :class:`~sbkit.retrieval.retriever.Retriever`.

Modules: :mod:`~sbkit.serve.app` (``create_app``, the routes), :mod:`~sbkit.serve.requests` (reading a
search request: multipart or JSON with a data URL), :mod:`~sbkit.serve.limits` (upload size, concurrent
searches), :mod:`~sbkit.serve.errors` (every error as one JSON shape), :mod:`~sbkit.serve.schemas` (the
OpenAPI models) and :mod:`~sbkit.serve.thumbnails`. The page lives in ``static/``: plain HTML, CSS and
JavaScript, no build step and nothing fetched from elsewhere.
"""

from sbkit.serve.app import ServeOptions, create_app

__all__ = ["ServeOptions", "create_app"]
