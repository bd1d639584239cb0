"""``codesuggest calibrate``: make a model's scores mean what they say on labelled notes.

The model is copied under a new name with a calibrator and a final layer
(``suggest.final_layer``) fitted on its ranked codes for the notes of ``--corpus``
(``training.workflow.calibrate_save``); it is not put in use
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

SCORES = ("ranker", "platt", "layer")


def _shown(scores: dict[str, float], what: str) -> str:
    if what == "confident_wrong":
        return f"{scores['confident_wrong']}/{scores['confident']}"
    return f"{scores[what]:.3f}"


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
    final_layer: Annotated[
        bool,
        typer.Option(
            "--final-layer",
            help="Also fit a final layer (suggest.final_layer) that orders and floors the "
            "codes by what real notes teach.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fit a model's calibrator (and final layer) on labelled notes; save as models/NAME."""
    reads = [read_corpus(spec) for spec in corpus]
    with first_use() as shown:
        try:
            calibrated, folder = calibrate_save(
                model, name, reads, overwrite=overwrite, final_layer=final_layer, first_use=shown
            )
        except (ModelNotFoundError, ValueError) as exc:
            fail(str(exc))
    card = calibrated.card["calibration"]
    if json_output:
        print_json({"name": name, "folder": str(folder), "calibration": card})
        return
    layer = card.get("final_layer")
    on = f"; final layer on {', '.join(layer['groups']) or 'no group'}" if layer else ""
    typer.echo(
        f"model {name} written to {folder}: {card['calibrated_from']} calibrated on "
        f"{card['codes']} ranked codes (Platt slope {card['slope']}, intercept "
        f"{card['intercept']}{on})"
    )
    typer.echo(
        f"cross-fitted, folds by note (ranker -> Platt{' -> final layer' if layer else ''}; "
        "ECE, confident = "
        "score >= 0.5 and how many wrong, MAP of the ranked codes in score order):"
    )
    for row in card["cross_fitted"]:
        typer.echo(f"  {row['corpus']} {row['group']}:")
        for what in ("ece", "confident_wrong", "listed_map"):
            cells = [_shown(row[s], what) for s in SCORES if s in row]
            typer.echo(f"    {what:16}" + " -> ".join(cells))
    typer.echo(f"put it in use with: codesuggest models promote {name} --corpus SPEC")
