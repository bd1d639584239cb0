"""What happens before a body is read, and under overload (issue 19 holes 2 and 3): no
key or a declared body over the limit is refused without reading a byte of the body; a
body without a declared length is refused at its first byte over; a process holding as
many requests as it may refuses one more at once with Retry-After; a request whose
client left is dropped before its note is coded; the batch worker waits for
interactive requests.

The ASGI tests call the started app directly with a ``receive`` that counts what the app
reads, which no HTTP client can show."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from api.service import SuggestService
from api.storage.models import Role, SuggestionRequest
from tests.api.conftest import Api, MakeApi

NOTE = "Type 2 diabetes mellitus without complications."
CHUNK = b"x" * 65536


class Client:
    """One ASGI request: the body it offers in chunks, what the app read of it, and the
    response the app sent."""

    def __init__(self, body_chunks: int, *, then_disconnect: bool = False) -> None:
        self.chunks = body_chunks
        self.reads = 0
        self.then_disconnect = then_disconnect
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""

    async def receive(self) -> dict[str, Any]:
        if self.reads >= self.chunks:
            if self.then_disconnect:
                return {"type": "http.disconnect"}
            await asyncio.sleep(3600)  # a client that sends nothing more
        self.reads += 1
        more = self.reads < self.chunks
        return {"type": "http.request", "body": CHUNK, "more_body": more}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _call(api: Api, path: str, client: Client, headers: dict[str, str]) -> Client:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    asyncio.run(asyncio.wait_for(api.app(scope, client.receive, client.send), 30))
    return client


def test_no_key_is_401_before_the_body_is_read(api: Api) -> None:
    huge = {"Content-Type": "application/json", "Content-Length": str(300 * 2**20)}
    for headers in (huge, {**huge, "Authorization": "Bearer csk_not-a-key"}):
        client = _call(api, "/v1/batch", Client(4800), headers)
        assert client.status == 401 and client.reads == 0
        assert client.headers["connection"] == "close"


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(make_api: MakeApi) -> None:
    api = make_api(max_batch_bytes=2**20)
    headers = {**api.auth(Role.INTEGRATOR), "Content-Length": str(600 * 2**20)}
    client = _call(api, "/v1/batch", Client(9600), headers)
    assert client.status == 413 and client.reads == 0
    assert b"1,048,576 bytes" in client.body


def test_an_undeclared_body_is_413_at_its_first_byte_over(make_api: MakeApi) -> None:
    api = make_api(max_batch_bytes=2**20)
    headers = {**api.auth(Role.INTEGRATOR), "Transfer-Encoding": "chunked"}
    client = _call(api, "/v1/batch", Client(9600), headers)
    assert client.status == 413
    assert client.reads == 2**20 // len(CHUNK) + 1  # never more than the limit and a chunk


@pytest.fixture
def busy(api: Api) -> Iterator[SuggestService]:
    """The app's service with its suggester taken: a request that gets to it waits."""
    service: SuggestService = api.app.state.service
    with service._lock:
        yield service


def _in_thread(api: Api, path: str = "/v1/suggest") -> tuple[threading.Thread, list[Any]]:
    answers: list[Any] = []
    thread = threading.Thread(
        target=lambda: answers.append(
            api.client.post(path, json={"text": NOTE}, headers=api.auth(Role.CODER))
        )
    )
    thread.start()
    return thread, answers


@contextmanager
def _at_capacity(api: Api) -> Iterator[None]:
    """The app's one place taken, while the block runs, by a request waiting for the
    suggester; that request is answered once the block ends."""
    service: SuggestService = api.app.state.service
    with service._lock:
        waiting, answers = _in_thread(api)
        while service._held == 0:
            waiting.join(0.01)
        yield
    waiting.join(30)
    assert answers[0].status_code == 200  # the one held is answered


def test_one_request_over_the_queue_is_503_at_once(make_api: MakeApi) -> None:
    api = make_api(max_queued_requests=1)
    with _at_capacity(api):
        refused = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(Role.CODER))
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert "retry" in refused.json()["detail"]


def test_a_refusal_at_capacity_costs_no_key_lookup_and_no_body(make_api: MakeApi) -> None:
    """The refusal comes first: without a key (no lookup, else this would be a 401) and
    with its body unread, so a flood beyond capacity costs the process next to nothing."""
    api = make_api(max_queued_requests=1)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(CHUNK) * 9)}
    with _at_capacity(api):
        client = _call(api, "/v1/suggest", Client(9), headers)
        assert client.status == 503 and client.reads == 0
        assert client.headers["retry-after"] == "1" and client.headers["connection"] == "close"
    # with room again, the same request is a 401 as before
    assert _call(api, "/v1/suggest", Client(9), headers).status == 401


def test_a_request_whose_client_left_is_not_coded(api: Api) -> None:
    body = b'{"text": "' + NOTE.encode() + b'"}'
    headers = {
        **api.auth(Role.CODER),
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }

    class Leaving(Client):
        async def receive(self) -> dict[str, Any]:
            self.reads += 1
            if self.reads == 1:
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

    client = _call(api, "/v1/suggest", Leaving(1), headers)
    assert client.status == 499
    with api.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SuggestionRequest)) == 0


def test_the_batch_worker_waits_for_interactive_requests(api: Api, busy: SuggestService) -> None:
    waiting, _ = _in_thread(api)
    while busy._held == 0:
        waiting.join(0.01)
    batch = threading.Thread(target=busy.wait_for_interactive, args=(30,))
    batch.start()
    batch.join(0.5)
    assert batch.is_alive()  # held back while a person waits
    busy._lock.release()
    try:
        batch.join(30)
        assert not batch.is_alive()
    finally:
        busy._lock.acquire()
    waiting.join(30)
