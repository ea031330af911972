"""The gateway: an OpenAI-compatible door with an input guard and a streaming output guard.

``menshen serve`` runs it; :func:`menshen.gateway.app.create_app` builds the app for embedding
and tests. This package imports FastAPI and httpx, so ``import menshen`` never imports it; only
the ``serve`` command does. docs/gateway.md describes settings, headers, block modes, streaming
hold-back, error shapes and metrics.
"""
