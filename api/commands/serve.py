"""``codesuggest serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
import uvicorn
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
        typer.Option(help="Log a line per request: method, path and status, never a body."),
    ] = True,
) -> None:
    """Serve the API (settings from CODESUGGEST_* variables and .env)."""
    settings = get_settings()
    # migrate once here: worker processes starting together must not race to do it
    upgrade_database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    if workers == 1:
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, access_log=access_log)
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
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


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
