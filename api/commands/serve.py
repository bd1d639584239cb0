"""``codesuggest serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import copy
import logging
import socket
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from api.commands.progress import first_use
from api.settings import get_settings
from api.storage.db import upgrade_database
from suggest.suggester import Suggester


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes; each loads the model and runs a batch worker.")
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            help="Log a line per request: method, path and status; never a body or a query."
        ),
    ] = True,
) -> None:
    """Serve the API (settings from CODESUGGEST_* variables and .env)."""
    settings = get_settings()
    # migrate once here: worker processes starting together must not race to do it
    upgrade_database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    if workers == 1:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            access_log=access_log,
            log_config=LOG_CONFIG,
        )
        return
    # build the index and term-table cache once, before every worker would do it at once
    with first_use() as shown:
        Suggester.load(settings.data_dir, max_chars=settings.max_text_chars, progress=shown)
    config = NoDelayConfig(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_config=LOG_CONFIG,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


# how long the supervisor waits for a worker to answer its health check before killing it:
# uvicorn's 5 s is less than a worker loading its model on a busy machine takes, and the
# answer comes from a thread that waits for the GIL while a note is being coded
WORKER_HEALTHCHECK_S = 60


class NoDelayConfig(uvicorn.Config):
    """uvicorn makes the workers' shared listening socket without a protocol number, so
    asyncio never turns Nagle's algorithm off on its connections and every keep-alive
    request waits ~40 ms for a delayed ACK. TCP_NODELAY set on the listening socket is
    passed by Linux to each connection it accepts."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


class WithoutQueryString(logging.Filter):
    """Drops the query string from uvicorn's access log lines: a code search's ``q`` is
    what a coder typed, which may be words of a note."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).partition("?")[0], version, status)
        return True


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with the access log's query strings dropped (a dict, not the
    filter object, so each worker process configures it for itself)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query"] = {"()": f"{__name__}.WithoutQueryString"}
    config["handlers"]["access"]["filters"] = ["without_query"]
    return config


LOG_CONFIG = _log_config()
