"""A test EHR, as a CDS client: its own key pair, its JWKS (given inline or served over
HTTP on loopback), and JWTs signed the way the CDS Hooks specification asks."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec


class TestEhr:
    """An EHR with an ES384 key pair (the algorithm every CDS service must support)."""

    __test__ = False  # not a test class

    def __init__(self, issuer: str = "https://ehr.test/fhir", kid: str = "ehr-key-1") -> None:
        self.issuer = issuer
        self.kid = kid
        self._private = ec.generate_private_key(ec.SECP384R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._private.public_key()))
        self.jwks: dict[str, Any] = {"keys": [{**public, "kid": kid, "use": "sig", "alg": "ES384"}]}
        self.jwks_requests = 0

    def token(self, audience: str, *, lifetime: int = 300, age: int = 0, **claims: Any) -> str:
        """A signed JWT for a call to ``audience``, issued ``age`` seconds ago."""
        now = int(time.time()) - age
        payload = {
            "iss": self.issuer,
            "sub": "client-1",
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            **claims,
        }
        headers = {"kid": self.kid, "typ": "JWT", "jku": "https://ehr.test/jwks"}
        return jwt.encode(payload, self._private, algorithm="ES384", headers=headers)

    @contextmanager
    def serve_jwks(self) -> Iterator[str]:
        """Serve the JWKS on a loopback port for as long as the block runs; yields its URL."""
        ehr = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                ehr.jwks_requests += 1
                body = json.dumps(ehr.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/jwks.json"
        finally:
            server.shutdown()
            server.server_close()
