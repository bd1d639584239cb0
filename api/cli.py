"""The ``codesuggest`` command: sub-commands for every part of the service.

Errors a person can fix (a missing file, a bad argument) end with one sentence on
stderr and exit code 2; ``CODESUGGEST_DEBUG=1`` shows tracebacks for anything else.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from api.commands import codes, index, keys, models
from api.commands.batch import batch
from api.commands.calibrate import calibrate
from api.commands.evaluate import evaluate
from api.commands.output import error_line
from api.commands.progress import set_quiet
from api.commands.serve import serve
from api.commands.suggest import suggest
from api.commands.train import train

app = typer.Typer(
    help="codesuggest: ranked, evidenced billing-code suggestions for clinical notes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def options(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars (shown only to a terminal).")
    ] = False,
) -> None:
    """Options for every command: codesuggest --quiet COMMAND ..."""
    set_quiet(quiet)


app.add_typer(index.app, name="index")
app.add_typer(codes.app, name="codes")
app.command()(suggest)
app.command()(batch)
app.command()(train)
app.command()(calibrate)
app.command()(evaluate)
app.add_typer(models.app, name="models")
app.add_typer(keys.app, name="keys")
app.command()(serve)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except (OSError, ValueError) as exc:
        if os.environ.get("CODESUGGEST_DEBUG"):
            raise
        error_line(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        error_line("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
