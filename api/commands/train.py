"""``codesuggest train``: fit a model from labeled notes, evaluate it, and save it by name.

The model is written to ``<data dir>/models/NAME/`` with its card; it is not put in use
(``codesuggest models promote`` does that, refusing a model that scores worse).
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import replace
from typing import Annotated

import typer
from tqdm import tqdm

from api.commands.evaluate import read_corpus
from api.commands.output import fail, print_json
from api.settings import get_settings
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.feedback import list_feedback
from suggest.model import models_root
from suggest.suggester import NotePipeline, Suggester
from training.corpora import CorpusRead
from training.evaluate import evaluate
from training.feedback import notes_from_feedback
from training.train import RANKERS, train_model

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOLDOUT_SHARE = 0.2  # evaluated on when no --eval-corpus is given


def read_feedback() -> CorpusRead:
    """Every coder decision in the store, as labeled notes."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    decisions, requests = [], {}
    after = 0
    with sessions() as session:
        while True:
            page = list_feedback(session, after_id=after, limit=settings.feedback_page_max)
            decisions.extend(page.decisions)
            requests.update(page.requests)
            if page.next_after_id is None:
                break
            after = page.next_after_id
    return notes_from_feedback(decisions, requests)


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
        str, typer.Option(help="logistic (on a spline basis of each feature) or boosting.")
    ] = "logistic",
    seed: Annotated[
        int, typer.Option(help="Seed: the same data and seed give the same model.")
    ] = 13,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a model of that name.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train a model on labeled notes, evaluate it, and save it as models/NAME."""
    if not _NAME.match(name) or name == "default":
        fail(f"{name!r} is not a usable model name (letters, digits, . _ -; not 'default')")
    if ranker not in RANKERS:
        fail(f"--ranker must be one of {', '.join(RANKERS)}, not {ranker!r}")
    folder = models_root() / name
    if folder.exists() and not overwrite:
        fail(f"a model named {name!r} already exists in {folder.parent}; use --overwrite")
    if not corpus and not from_feedback:
        fail("give at least one --corpus or --from-feedback")

    reads = [read_corpus(spec) for spec in corpus or []]
    if from_feedback:
        reads.append(read_feedback())
    notes = [note for read in reads for note in read.notes]
    problems = [problem for read in reads for problem in read.problems]
    if not notes:
        fail("the corpora hold no usable labeled notes")
    if eval_corpus:
        held_out = read_corpus(eval_corpus)
        training_notes = notes
    else:
        shuffled = random.Random(seed).sample(notes, len(notes))
        cut = max(1, int(len(shuffled) * HOLDOUT_SHARE)) if len(shuffled) > 4 else 0
        held_out = CorpusRead(
            source=f"held-out {HOLDOUT_SHARE:.0%} of training notes", notes=shuffled[:cut]
        )
        training_notes = shuffled[cut:]

    started = time.perf_counter()
    pipeline = NotePipeline.load()
    with tqdm(total=len(training_notes), desc="training", unit="note") as bar:

        def progress(_stage: str, done: int, _total: int) -> None:
            bar.update(done - bar.n)

        sources = {
            "corpora": [read.source for read in reads],
            "notes_per_corpus": {read.source: len(read.notes) for read in reads},
            "rows_not_used": len(problems),
        }
        model = train_model(
            pipeline,
            training_notes,
            name,
            seed=seed,
            ranker=ranker,
            sources=sources,
            progress=progress,
        )
    train_seconds = time.perf_counter() - started
    metrics = None
    if held_out.notes:
        evaluation = evaluate(
            Suggester(pipeline, model), held_out, reference=CorpusRead("training", training_notes)
        )
        report = evaluation.to_json()
        metrics = {"corpus": held_out.source, **{g: report[g] for g in ("diagnoses", "procedures")}}
    model = replace(
        model,
        card={
            **model.card,
            "metrics": metrics,
            "training_seconds": round(train_seconds, 1),
            "problems": problems[:50],
        },
    )
    model.save(folder)
    summary = {
        "name": name,
        "folder": str(folder),
        "training_notes": len(training_notes),
        "rows_not_used": len(problems),
        "seconds": round(train_seconds, 1),
        "metrics": metrics,
    }
    if json_output:
        print_json(summary)
        return
    typer.echo(
        f"model {name} written to {folder} ({len(training_notes)} notes, "
        f"{train_seconds:.0f} s; {len(problems)} rows not used)"
    )
    for problem in problems[:10]:
        typer.echo(f"  not used: {problem}")
    if metrics:
        for group in ("diagnoses", "procedures"):
            m = metrics[group]
            typer.echo(
                f"  {group:10} MAP {m['map']:.3f}  R@20 {m['r@20']:.3f}  "
                f"micro-F1 {m['micro_f1']:.3f}  ({m['notes']} notes, {metrics['corpus']})"
            )
    typer.echo(f"put it in use with: codesuggest models promote {name} --corpus SPEC")
