"""``codesuggest train``: fit a model from labeled notes, evaluate it, and save it by name.

The model is written to ``<data dir>/models/NAME/`` with its card; it is not put in use
(``codesuggest models promote`` does that, refusing a model that scores worse). The work
is ``training.workflow.train_evaluate_save``; this command parses, calls it and prints.
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.commands.inputs import read_corpus, read_feedback
from api.commands.output import fail, print_json
from api.commands.progress import bar, first_use
from training.workflow import check_new_model, train_evaluate_save


def train(
    name: Annotated[str, typer.Option(help="Name of the new model (letters, digits, . _ -).")],
    corpus: Annotated[
        list[str] | None,
        typer.Option(help="codiesp:PATH or jsonl:PATH of labeled notes (repeatable)."),
    ] = None,
    from_feedback: Annotated[
        bool, typer.Option("--from-feedback", help="Also learn from coders' stored decisions.")
    ] = False,
    eval_corpus: Annotated[
        str | None,
        typer.Option(help="Corpus to evaluate on (default: a held-out 20% of the training notes)."),
    ] = None,
    ranker: Annotated[
        str,
        typer.Option(
            help="boosting (gradient-boosted trees on the cross-fitted features) or logistic "
            "(on a spline basis of each feature)."
        ),
    ] = "boosting",
    seed: Annotated[
        int, typer.Option(help="Seed: the same data and seed give the same model.")
    ] = 13,
    label_max_df: Annotated[
        float,
        typer.Option(
            help="Label model: leave out character n-grams found in more than this share of "
            "the training notes (1.0 keeps all; 0.5 reads a note faster, see README)."
        ),
    ] = 1.0,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a model of that name.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train a model on labeled notes, evaluate it, and save it as models/NAME."""
    if not corpus and not from_feedback:
        fail("give at least one --corpus or --from-feedback")
    try:
        check_new_model(name, overwrite)
    except ValueError as exc:
        fail(str(exc))
    reads = [read_corpus(spec) for spec in corpus or []]
    if from_feedback:
        reads.append(read_feedback())
    held_out = read_corpus(eval_corpus) if eval_corpus else None
    with first_use() as shown, bar("training", None, "note") as training:

        def progress(_stage: str, done: int, total: int) -> None:
            training.total = total
            training.update(done - training.n)

        try:
            outcome = train_evaluate_save(
                name,
                reads,
                held_out,
                ranker=ranker,
                seed=seed,
                overwrite=overwrite,
                progress=progress,
                label_max_df=label_max_df,
                first_use=shown,
            )
        except ValueError as exc:
            fail(str(exc))
    if json_output:
        print_json(outcome.to_json())
        return
    typer.echo(
        f"model {name} written to {outcome.folder} ({outcome.training_notes} notes, "
        f"{outcome.seconds:.0f} s; {len(outcome.problems)} rows not used)"
    )
    for problem in outcome.problems[:10]:
        typer.echo(f"  not used: {problem}")
    if outcome.metrics:
        for group in ("diagnoses", "procedures"):
            m = outcome.metrics[group]
            typer.echo(
                f"  {group:10} MAP {m['map']:.3f}  R@20 {m['r@20']:.3f}  "
                f"micro-F1 {m['micro_f1']:.3f}  ({m['notes']} notes, {outcome.metrics['corpus']})"
            )
    typer.echo(f"put it in use with: codesuggest models promote {name} --corpus SPEC")
