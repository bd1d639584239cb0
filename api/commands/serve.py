"""``codesuggest serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import copy
import logging
import signal
import socket
import time
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

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
    config = uvicorn.Config(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        access_log=access_log,
        log_config=LOG_CONFIG,
    )
    Workers(config, workers).run()


# how long the supervisor waits for a worker to answer its health check before killing it:
# uvicorn's 5 s is less than a worker loading its model on a busy machine takes, and the
# answer comes from a thread that waits for the GIL while a note is being coded
WORKER_HEALTHCHECK_S = 60
logger = logging.getLogger("uvicorn.error")


class Workers:
    """``serve --workers N``: N uvicorn processes, each accepting connections on a
    listening socket of its own, all bound to one port with ``SO_REUSEPORT``.

    uvicorn's own supervisor shares one socket between its workers, and the first event
    loop to wake accepts every connection waiting (asyncio takes up to the backlog at a
    time): keep-alive clients that connect together pile onto one process while another
    idles. With a socket per worker the kernel spreads connections evenly over the
    sockets that listen, and a worker's socket listens only once its model is loaded. A
    worker that dies, or does not answer the health check, is replaced on a fresh socket
    (the connections queued on the old one are reset, and their clients reconnect).
    """

    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.signals: list[int] = []

    def run(self) -> None:
        """Start the workers and keep them running until SIGINT or SIGTERM."""
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda received, _frame: self.signals.append(received))
        # a port already served (by a server with sockets like ours too) is an error,
        # never a port silently shared with it
        _reuse_port_socket(self.config.host, self.config.port, reuse_port=False).close()
        slots = [self._start() for _ in range(self.workers)]
        scheme = "https" if self.config.is_ssl else "http"
        logger.info(
            "%d workers on %s://%s:%d", self.workers, scheme, self.config.host, self.config.port
        )
        try:
            while not self.signals:
                time.sleep(0.5)
                for n, (process, sock) in enumerate(slots):
                    if self.signals or process.is_alive(timeout=WORKER_HEALTHCHECK_S):
                        continue
                    process.kill()  # dead or hung
                    process.join()
                    sock.close()
                    if process.exitcode == STARTUP_FAILURE:  # would fail again: stop
                        logger.error("worker [%s] failed to start; stopping", process.pid)
                        return
                    logger.info("worker [%s] stopped; starting another", process.pid)
                    slots[n] = self._start()
        finally:
            for process, _sock in slots:
                process.terminate()
            for process, sock in slots:
                process.join()
                sock.close()

    def _start(self) -> tuple[Process, socket.socket]:
        sock = _reuse_port_socket(self.config.host, self.config.port)
        process = Process(self.config, [sock])
        process.start()
        return process, sock


def _reuse_port_socket(host: str, port: int, *, reuse_port: bool = True) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (not yet listening: its worker listens once
    started), with Nagle's algorithm off: Linux passes TCP_NODELAY on to each connection
    it accepts, and without it every keep-alive request waits ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
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
