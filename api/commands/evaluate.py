"""``codesuggest evaluate --corpus SPEC``: score a model on labeled notes, CodiEsp-style."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands import progress
from api.commands.inputs import CorpusSpec, read_corpus, read_procedures, read_setting
from api.commands.output import fail, print_json
from suggest.model import ModelNotFoundError, load_model
from suggest.suggester import NotePipeline, Suggester
from training.evaluate import MATCHING_RULE, Evaluation
from training.evaluate import evaluate as evaluate_corpus
from training.report import summary_rows, write_report


def load_suggester(model: str | None) -> Suggester:
    """The suggester with the named model (default: the one in use), or a failure naming
    the model that was not found; the model is looked up before the slower pipeline."""
    try:
        chosen = load_model(model)
    except ModelNotFoundError as exc:
        fail(str(exc))
    with progress.first_use() as shown:
        return Suggester(NotePipeline.load(progress=shown), chosen)


def print_evaluation(evaluation: Evaluation) -> None:
    """The scores as an aligned table for a person."""
    e = evaluation
    settings = ", ".join(f"{n} {name}" for name, n in sorted(e.settings.items()))
    typer.echo(
        f"model {e.model_version} (threshold {e.threshold:g}) on {e.corpus}: "
        f"{sum(e.settings.values())} notes ({settings}), index {e.index_version}, "
        f"{e.seconds:.1f} s"
    )
    if e.reading_problems:
        typer.echo(f"{len(e.reading_problems)} corpus rows could not be read (see --json)")
    rows = summary_rows(e)
    width = max(len(label) for label, _ in rows)
    cell = max(len(c) for _, cells in rows for c in cells)
    typer.echo(" " * width + "".join(f"  {g.name:>{cell}}" for g in e.groups))
    for label, cells in rows:
        typer.echo(f"{label:<{width}}" + "".join(f"  {c:>{cell}}" for c in cells))
    print_map_loss(e)
    for group in e.groups:
        if group.coverage.missing_examples:
            examples = ", ".join(group.coverage.missing_examples)
            typer.echo(f"{group.name} gold codes not in the code set, e.g.: {examples}")
    if e.unscored_gold:
        unscored = ", ".join(f"{n} {system}" for system, n in sorted(e.unscored_gold.items()))
        typer.echo(f"gold codes not scored (no group for them in the note's setting): {unscored}")
    typer.echo(f"matching: {MATCHING_RULE}")


MAP_LOSS_ROWS = (
    ("MAP", "map"),
    ("candidate recall (gold anywhere in the list)", "candidate_recall"),
    ("MAP if the list were perfectly ordered", "ordered_map"),
    ("loss: wrong codes ranked above right ones", "loss_order"),
    ("loss: gold never suggested", "loss_never_suggested"),
    ("loss: suggestions for notes without gold", "loss_no_gold"),
)


def print_map_loss(evaluation: Evaluation) -> None:
    """Where MAP is lost, per group (``training.evaluate.MapLoss``)."""
    losses = [group.map_loss() for group in evaluation.groups]
    width = max(len(label) for label, _ in MAP_LOSS_ROWS)
    typer.echo("where MAP is lost:")
    typer.echo(" " * width + "".join(f"  {g.name:>10}" for g in evaluation.groups))
    for label, name in MAP_LOSS_ROWS:
        typer.echo(f"{label:<{width}}" + "".join(f"  {getattr(x, name):>10.4f}" for x in losses))


def evaluate(
    corpus: CorpusSpec,
    model: Annotated[str | None, typer.Option(help="Model name (default: the one in use).")] = None,
    setting: Annotated[
        str | None,
        typer.Option(help="outpatient or inpatient for every note (default: each note's own)."),
    ] = None,
    procedures: Annotated[
        str | None,
        typer.Option(
            help="significant or all: the ICD-10-PCS procedures every note's facility "
            "reports (default: each note's own; CodiEsp all, a JSON Lines note significant "
            "unless it says)."
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            help="Corpus whose code counts define the report's frequency bands, e.g. the "
            "training split (default: the evaluated corpus)."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    report: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="Write report.md and its plots into this folder."),
    ] = None,
) -> None:
    """Score a model on labeled notes: MAP, P@k, R@k and F1 for diagnoses and procedures."""
    chosen = read_setting(setting) if setting is not None else None
    reporting = read_procedures(procedures) if procedures is not None else None
    notes = read_corpus(corpus)
    counted = read_corpus(reference) if reference else None
    suggester = load_suggester(model)
    try:
        with progress.bar("evaluating", len(notes.notes), "note") as bar:
            evaluation = evaluate_corpus(
                suggester,
                notes,
                chosen,
                procedures=reporting,
                reference=counted,
                progress=bar.update,
            )
    except ValueError as exc:
        fail(str(exc))
    if json_output:
        print_json(evaluation.to_json())
    else:
        print_evaluation(evaluation)
    if report is not None:
        path = write_report(evaluation, report)
        typer.echo(f"report written to {path}", err=json_output)
