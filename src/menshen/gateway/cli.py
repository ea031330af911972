"""``menshen serve``: run the gateway under uvicorn.

The web stack is imported inside the command, so ``menshen --help`` and the other commands do
not pay for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from menshen.cli_common import fail
from menshen.errors import MenshenError


def serve_command(
    config: Annotated[
        Path | None, typer.Option("--config", help="Gateway settings YAML file.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    upstream: Annotated[
        str | None,
        typer.Option(help="Upstream base URL, e.g. https://api.example.com/v1 (overrides config)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the OpenAI-compatible gateway: every turn checked on its way in and out."""
    import uvicorn

    from menshen.gateway.app import LOG_LEVEL_ENV, SETTINGS_FILE_ENV, create_app
    from menshen.gateway.logs import configure_logging
    from menshen.gateway.settings import ENV_PREFIX, load_settings
    from menshen.gateway.sinks import sink_from_settings
    from menshen.gateway.wiring import guard_from_settings, settle_process

    try:
        settings = load_settings(config, overrides={"upstream_url": upstream})
        guard = guard_from_settings(settings)  # a bad library or policy fails before binding
        if workers == 1:
            sink = sink_from_settings(settings)
            closers = (sink.aclose,) if sink is not None else ()
            target: Any = create_app(settings, guard, sink, on_shutdown=closers)
            settle_process(guard)
        else:
            # Each worker process builds its own app from the same file and variables.
            target = "menshen.gateway.app:app_from_environment"
            if config is not None:
                os.environ[SETTINGS_FILE_ENV] = str(config.resolve())
            if upstream is not None:
                os.environ[ENV_PREFIX + "UPSTREAM_URL"] = upstream
            os.environ[LOG_LEVEL_ENV] = log_level
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    configure_logging(log_level)
    uvicorn.run(
        target,
        host=host,
        port=port,
        workers=workers,
        factory=workers > 1,
        log_config=None,
        log_level=log_level.lower(),
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
        ws="none",
    )
