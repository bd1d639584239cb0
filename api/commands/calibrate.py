"""``codesuggest calibrate``: make a model's scores mean what they say on labelled notes.

The model is copied under a new name with a calibrator fitted on its scores for the
notes of ``--corpus`` (``training.workflow.calibrate_save``); it is not put in use
(``codesuggest models promote`` does that). This command parses, calls it and prints.
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.commands.inputs import read_corpus
from api.commands.output import fail, print_json
from api.commands.progress import first_use
from suggest.model import ModelNotFoundError
from training.workflow import calibrate_save


def calibrate(
    name: Annotated[
        str, typer.Option(help="Name of the calibrated model (letters, digits, . _ -).")
    ],
    corpus: Annotated[
        list[str],
        typer.Option(
            help="codiesp:PATH or jsonl:PATH of labelled notes the model was not trained on "
            "(repeatable; each corpus weighs the same)."
        ),
    ],
    model: Annotated[
        str | None, typer.Option(help="The model to calibrate (default: the one in use).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a model of that name.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fit a model's calibrator on labelled notes and save the result as models/NAME."""
    reads = [read_corpus(spec) for spec in corpus]
    with first_use() as shown:
        try:
            calibrated, folder = calibrate_save(
                model, name, reads, overwrite=overwrite, first_use=shown
            )
        except (ModelNotFoundError, ValueError) as exc:
            fail(str(exc))
    card = calibrated.card["calibration"]
    if json_output:
        print_json({"name": name, "folder": str(folder), "calibration": card})
        return
    typer.echo(
        f"model {name} written to {folder}: {card['calibrated_from']} calibrated on "
        f"{card['codes']} ranked codes (slope {card['slope']}, intercept {card['intercept']})"
    )
    typer.echo("cross-fitted, folds by note (ECE; confident = score >= 0.5, how many wrong):")
    for row in card["cross_fitted"]:
        before, after = row["before"], row["after"]
        typer.echo(
            f"  {row['corpus']} {row['group']:10} ECE {before['ece']:.3f} -> {after['ece']:.3f}"
            f"  confident wrong {before['confident_wrong']}/{before['confident']}"
            f" -> {after['confident_wrong']}/{after['confident']}"
        )
    typer.echo(f"put it in use with: codesuggest models promote {name} --corpus SPEC")
