"""The models a data directory can use, and promotion: a model becomes the one in use
only when it scores at least as well as the current one on every labeled corpus named
(CodiEsp dev and the US notes, say), so a retrained model can never silently make
suggestions worse on any of them.

Models live in ``<data_dir>/models/<name>`` (and the default in the package); the name
in use is in ``<data_dir>/models/CURRENT``. Every promotion appends who, when, why and
the scores compared to ``<data_dir>/models/promotions.jsonl``.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from suggest.model import (
    CARD_FILE,
    CURRENT_FILE,
    DEFAULT_MODEL,
    ModelNotFoundError,
    artifact_file,
    current_model_name,
    load_model,
    model_folder,
    models_root,
    packaged_model_folder,
)
from suggest.suggester import NotePipeline, Suggester
from training.corpora import CorpusRead
from training.evaluate import DIAGNOSES, PROCEDURES, Evaluation, evaluate

PROMOTION_LOG = "promotions.jsonl"
COMPARED_GROUPS = (DIAGNOSES, PROCEDURES)
MAP_DIGITS = 4
"""MAP is compared as reported, rounded to this many digits, so a refusal never
quotes two equal numbers."""


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model that ``load_model`` can find, with its card."""

    name: str
    location: str  # "data dir" or "packaged"
    folder: Path
    card: dict[str, Any]
    in_use: bool

    @property
    def created_at(self) -> str | None:
        return self.card.get("created_at")

    def card_map(self, group: str) -> float | None:
        """MAP of a group from the card's ``metrics`` (``Evaluation.to_json`` shape)."""
        metrics = self.card.get("metrics")
        scores = metrics.get(group) if isinstance(metrics, dict) else None
        value = scores.get("map") if isinstance(scores, dict) else None
        return float(value) if isinstance(value, int | float) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "location": self.location,
            "folder": str(self.folder),
            "created_at": self.created_at,
            "in_use": self.in_use,
            "map": {group: self.card_map(group) for group in COMPARED_GROUPS},
            "metrics_corpus": (self.card.get("metrics") or {}).get("corpus"),
        }


@dataclass(frozen=True, slots=True)
class PromotionDecision:
    """Whether a candidate may replace the model in use, and the sentence saying why."""

    promote: bool
    reason: str
    maps: dict[str, tuple[float, float]]  # group -> (candidate MAP, current MAP)
    corpus: str = ""  # the corpus (or corpora) compared on


@dataclass(frozen=True, slots=True)
class Promotion:
    """What ``promote`` did."""

    model: str
    previous: str
    decision: PromotionDecision
    promoted: bool
    forced: bool


def list_models(data_dir: Path | str | None = None) -> list[ModelEntry]:
    """Every model by name, as ``load_model`` would find it: the data directory's
    first, then the packaged ones it does not shadow."""
    in_use = current_model_name(data_dir)
    # the packaged models are the folders beside the default
    roots = (
        ("data dir", models_root(data_dir)),
        ("packaged", packaged_model_folder(DEFAULT_MODEL).parent),
    )
    entries: dict[str, ModelEntry] = {}
    for location, root in roots:
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if artifact_file(folder) is not None and folder.name not in entries:
                card = _read_card(folder)
                entries[folder.name] = ModelEntry(
                    folder.name, location, folder, card, folder.name == in_use
                )
    return list(entries.values())


def decide_promotion(candidate: Evaluation, current: Evaluation) -> PromotionDecision:
    """Promote when the candidate's MAP is not lower than the current model's in every
    group where both evaluations have gold codes (diagnoses, and procedures when the
    corpus codes them). Refuse when no group has gold codes to compare on."""
    if candidate.corpus != current.corpus:
        raise ValueError(
            f"the evaluations are on different corpora ({candidate.corpus} and {current.corpus})"
        )
    maps = {
        new.name: (round(new.metrics["map"], MAP_DIGITS), round(old.metrics["map"], MAP_DIGITS))
        for new, old in zip(candidate.groups, current.groups, strict=True)
        if new.notes_with_gold and old.notes_with_gold
    }
    if not maps:
        return PromotionDecision(
            False,
            f"{candidate.corpus} has no gold codes to compare the models on",
            maps,
            candidate.corpus,
        )
    compared = ", ".join(
        f"{group} MAP {new:.{MAP_DIGITS}f} vs {old:.{MAP_DIGITS}f}"
        for group, (new, old) in maps.items()
    )
    worse = any(new < old for new, old in maps.values())
    if worse:
        reason = (
            f"{candidate.model_name} scores lower than {current.model_name} (the model in use) "
            f"on {current.corpus}: {compared}"
        )
    else:
        reason = (
            f"{candidate.model_name} scores at least as well as {current.model_name} "
            f"on {current.corpus}: {compared}"
        )
    return PromotionDecision(not worse, reason, maps, candidate.corpus)


def decide_on_corpora(decisions: Sequence[PromotionDecision]) -> PromotionDecision:
    """One decision from a decision per corpus: promote only when no corpus refuses
    (the refusals say why); MAPs keyed ``"<group> on <corpus>"`` when several corpora."""
    if len(decisions) == 1:
        return decisions[0]
    refused = [d for d in decisions if not d.promote]
    reason = "; ".join(d.reason for d in (refused or decisions))
    maps = {f"{group} on {d.corpus}": scores for d in decisions for group, scores in d.maps.items()}
    return PromotionDecision(not refused, reason, maps, ", ".join(d.corpus for d in decisions))


def promote(
    name: str,
    corpora: Sequence[CorpusRead],
    *,
    data_dir: Path | str | None = None,
    force: bool = False,
    by: str | None = None,
) -> Promotion:
    """Evaluate ``name`` and the model in use on every corpus and make ``name`` current
    if ``decide_promotion`` allows it on each of them, or ``force``. Raises
    ``ModelNotFoundError`` for an unknown name (or, unless forced, a model in use that
    cannot be loaded), ``ValueError`` when no corpus is named."""
    if not corpora:
        raise ValueError("name at least one corpus to compare the models on")
    previous = current_model_name(data_dir)
    pipeline = NotePipeline.load(data_dir)
    candidate = Suggester(pipeline, load_model(name, data_dir))
    sources = ", ".join(corpus.source for corpus in corpora)
    try:
        current_model = load_model(previous, data_dir)
    except ModelNotFoundError as err:
        if not force:
            raise
        decision = PromotionDecision(
            False, f"the model in use cannot be loaded: {err}", {}, sources
        )
    else:
        in_use = Suggester(pipeline, current_model)
        decision = decide_on_corpora(
            [decide_promotion(evaluate(candidate, c), evaluate(in_use, c)) for c in corpora]
        )
    forced = force and not decision.promote
    if decision.promote or forced:
        set_current_model(name, data_dir)
        _log(data_dir, name, previous, sources, decision, forced, by)
    return Promotion(name, previous, decision, decision.promote or forced, forced)


def set_current_model(name: str, data_dir: Path | str | None = None) -> None:
    """Point ``CURRENT`` at ``name`` atomically: a reader sees the old name or the new
    one, never a half-written file. Raises ``ModelNotFoundError`` for an unknown name."""
    model_folder(name, data_dir)
    root = models_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=root, prefix=f".{CURRENT_FILE}.", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, root / CURRENT_FILE)


def _log(
    data_dir: Path | str | None,
    name: str,
    previous: str,
    corpus: str,
    decision: PromotionDecision,
    forced: bool,
    by: str | None,
) -> None:
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": by or _user(),
        "model": name,
        "previous": previous,
        "forced": forced,
        "corpus": corpus,
        "reason": decision.reason,
        "map": {
            group: {"candidate": new, "previous": old}
            for group, (new, old) in decision.maps.items()
        },
    }
    with (models_root(data_dir) / PROMOTION_LOG).open("a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _read_card(folder: Path) -> dict[str, Any]:
    path = folder / CARD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
