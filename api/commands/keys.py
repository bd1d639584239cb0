"""``codesuggest keys create|list|revoke``: the API keys callers send to the HTTP API.

``create`` prints the new key alone on stdout, so scripts can capture it
(``KEY=$(codesuggest keys create --role coder)``); it is shown only that once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from api.commands.output import fail, print_json
from api.settings import get_settings
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.errors import UnknownKeyError
from api.storage.keys import create_key, list_keys, revoke_key
from api.storage.models import Role

app = typer.Typer(help="Issue, list and revoke API keys.", no_args_is_help=True)


@contextmanager
def _store() -> Iterator[Session]:
    """A session on the configured database, its schema brought to head first (keys are
    usually created before the server has ever started)."""
    settings = get_settings()
    timeout = settings.sqlite_busy_timeout_ms
    upgrade_database(settings.database_url, sqlite_busy_timeout_ms=timeout)
    engine = make_engine(settings.database_url, sqlite_busy_timeout_ms=timeout)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@app.command()
def create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[
        str | None,
        typer.Option(help="Who holds it (default: the role); a coder key's name is its coder id."),
    ] = None,
    organization: Annotated[
        str | None,
        typer.Option(help="Keys of one organisation may give feedback on each other's requests."),
    ] = None,
) -> None:
    """Issue a key and print it alone on stdout."""
    with _store() as session:
        try:
            issued = create_key(
                session, role, name or f"{role.value} key", organization=organization
            )
        except ValueError as exc:
            fail(str(exc))
    typer.echo(issued.plaintext)
    typer.echo(
        f"key {issued.record.id} ({issued.record.key_prefix}…) for {role.value} "
        f"{issued.record.name!r}: store it now, it is not shown again",
        err=True,
    )


@app.command("list")
def list_command(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key, revoked ones included; never the secret part."""
    with _store() as session:
        keys = list_keys(session)
    if json_output:
        print_json([asdict(key) for key in keys])
        return
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(f"{key.id:>4}  {key.key_prefix}…  {key.role.value:10} {state:18} {key.name}")


@app.command()
def revoke(key_id: Annotated[int, typer.Argument(help="The id `keys list` shows.")]) -> None:
    """Revoke a key for good: requests presenting it get 401 from then on."""
    with _store() as session:
        try:
            record = revoke_key(session, key_id)
        except UnknownKeyError as exc:
            fail(str(exc))
    typer.echo(f"revoked key {record.id} ({record.key_prefix}…, {record.name})")
