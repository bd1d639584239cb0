"""Suggestion models: what the suggester loads to turn candidate features into calibrated
probabilities, saved as a pickle beside a JSON model card.

A model is chosen by name. Trained models and the record of which one is in use live in
the data directory (``<data_dir>/models``); the default model, fitted from the code sets
alone, ships inside the package (``models/default``) so a fresh install works.

A suggester loads a model's served form where it has one: a model whose ranker is a
scaled logistic (the default) or a pipeline of gradient-boosted trees (a trained model)
is scored from its fitted numbers alone (``suggest.scaled_logistic``,
``suggest.boosted_trees``, ``suggest.served_learners`` for a trained model's note and label
models, associations and decisions), which the first load caches in ``<data_dir>/cache``,
so that serving never imports scikit-learn (with it, ``scipy.stats`` and pandas: about
half of a cold start's imports). Training reads the fitted estimators (``served=False``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import spacy
from threadpoolctl import ThreadpoolController

from code_index.data_dir import resolve_data_dir
from suggest.boosted_trees import BoostedTrees, boosted_trees
from suggest.candidates import (
    FEATURE_NAMES,
    UNRANKED_LABEL,
    LearnedSignals,
    MatchPrecision,
    category_codes,
)
from suggest.code_categories import SUBCATEGORY_LENGTH, code_category
from suggest.denied import CodedWhenDenied
from suggest.layer_features import LayerScorer
from suggest.note_vectors import word_grams
from suggest.scaled_logistic import PlattMap, ScaledLogistic, scaled_logistic
from suggest.served_learners import (
    AssociationScorer,
    LabelReader,
    NeighborScorer,
    NoteReading,
    ThresholdedLogistic,
)
from suggest.setting import Setting

if TYPE_CHECKING:  # their modules import scikit-learn, which a served model never needs
    from sklearn.pipeline import Pipeline

    from suggest.calibration import PlattCalibrator
    from suggest.final_layer import FinalLayer
    from suggest.label_model import LabelModel
    from suggest.note_decision import NoteDecision
    from suggest.note_model import NoteNeighbors, TermAssociations

# The fitted objects, pickled (protocol 5). Not joblib.dump: joblib.load reads every
# object through Python's pure-Python unpickler (its NumpyUnpickler subclasses
# pickle._Unpickler), and a trained model is mostly Python objects (vocabularies,
# associations, trees), not large arrays: codiesp-v1 took 0.67 CPU s to load with joblib
# against 0.06 s with pickle.load, the C unpickler (scikit-learn lists both as ways to
# persist its estimators).
MODEL_FILE = "model.pkl"
# what models were saved as before: still read (with joblib), never written
LEGACY_MODEL_FILE = "model.joblib"
# Bumped when the artifact's layout changes; what a model's features mean is checked by
# name on load (``feature_names``), not by this number.
MODEL_FORMAT = 7
# Bumped when the served form's layout changes (its cache file is named by it)
SERVED_FORMAT = 2
CARD_FILE = "model-card.json"
CURRENT_FILE = "CURRENT"
DEFAULT_MODEL = "default"
logger = logging.getLogger(__name__)
# a model is named, never given as a path: no separators, no "..", nothing hidden
MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ModelNotFoundError(FileNotFoundError):
    """No model of that name in the data directory or the package."""


class ModelMismatchError(ValueError):
    """A model this code cannot score with (features it does not compute); the message
    says which and what to do."""


def library_versions() -> dict[str, str]:
    """The versions of the libraries whose objects a model artifact holds."""
    import sklearn  # what the artifact holds: training and a full load import it anyway

    return {"scikit-learn": sklearn.__version__, "spacy": spacy.__version__}


@dataclass
class SuggestModel:
    """A fitted candidate ranker, the feature names it expects (in its columns' order),
    and its model card; ``index_version`` and ``libraries`` say what it was fitted with.
    In a served form (``SuggestModel.load``), every fitted part is its numbers
    (``ScaledLogistic`` or ``BoostedTrees``, ``PlattMap``, ``LayerScorer``, and the
    learners' scorers of ``suggest.served_learners``); whichever form it holds, a note is
    read through the served ones (``neighbors``, ``label_reader``, ``term_scorer``,
    ``gate``, ``convention``)."""

    name: str
    ranker: Pipeline | ScaledLogistic | BoostedTrees
    feature_names: tuple[str, ...]
    card: dict[str, Any] = field(default_factory=dict)
    note_model: NoteNeighbors | NeighborScorer | None = None  # absent in the default
    match_precision: MatchPrecision | None = None
    associations: TermAssociations | AssociationScorer | None = None
    # rank codes covered by a more specific code's words too: learned from coders who report both
    keeps_covered: bool = False
    index_version: str = ""
    libraries: dict[str, str] = field(default_factory=library_versions)
    # maps the ranker's scores to calibrated probabilities (fitted on cross-fitted scores)
    calibrator: PlattCalibrator | PlattMap | None = None
    label_model: LabelModel | LabelReader | None = None
    # by setting, where the training notes' coders code denied findings (suggest.denied);
    # a setting absent here never has a denied mention ranked
    coded_when_denied: dict[Setting, CodedWhenDenied] = field(default_factory=dict)
    # whether a note calls for procedure codes at all (suggest.abstention)
    procedure_gate: NoteDecision | ThresholdedLogistic | None = None
    # which notes' coders code denied findings, where the training corpora disagreed
    denied_convention: NoteDecision | ThresholdedLogistic | None = None
    # P(right) from the ranker's score and what real notes teach (suggest.final_layer):
    # where present, it gives the scores in place of ``calibrator``
    final_layer: FinalLayer | LayerScorer | None = None
    # codes training notes carried added for each category of a diagnosis the note names
    # (suggest.candidates.add_sibling_candidates; 0 in models trained before them)
    sibling_candidates: int = 0
    # where the corpora disagreed, the calibrator of the notes ``denied_convention``
    # reads as coded by the guidelines (fitted on those notes' cross-fitted scores);
    # ``calibrator`` then calibrates the notes coded as taught
    guideline_calibrator: PlattCalibrator | PlattMap | None = None

    def __post_init__(self) -> None:
        unknown = [name for name in self.feature_names if name not in FEATURE_NAMES]
        if unknown:
            raise ModelMismatchError(
                f"model {self.name!r} was fitted on features this codesuggest does not compute "
                f"({', '.join(unknown)}); retrain it with this version"
            )
        # scikit-learn's tree ensembles predict on an OpenMP pool and the label model
        # multiplies through BLAS: for one note's few hundred rows a pool's start-up (and,
        # on a busy machine, its spinning) costs many times the work, so one note is
        # scored on one thread; so is the tree scorer's one-row probe against the
        # classifier (on all cores it cost more than loading the model)
        self._threads = ThreadpoolController()
        self._trees: BoostedTrees | None = None
        self._linear: ScaledLogistic | None = None
        if isinstance(self.ranker, ScaledLogistic):  # a served form: its numbers alone
            self._linear = self.ranker
        elif isinstance(self.ranker, BoostedTrees):
            self._trees = self.ranker
        else:
            with self.one_thread():
                self._trees = boosted_trees(self.ranker)
            self._linear = scaled_logistic(self.ranker)
        calibrator, layer = self.calibrator, self.final_layer
        self._platt = _platt_map(calibrator)
        self._guideline_platt = _platt_map(self.guideline_calibrator)
        # what a suggester scores ranked codes with (``suggest.layer_features``)
        self.layer = (
            layer.scorer() if layer is not None and not isinstance(layer, LayerScorer) else layer
        )
        # what a note is read with: the learners' served forms (the fitted estimators
        # hand over their arrays)
        note_model, label_model, associations = (
            self.note_model,
            self.label_model,
            self.associations,
        )
        gate, convention = self.procedure_gate, self.denied_convention
        self.neighbors: NeighborScorer | None = (
            note_model
            if note_model is None or isinstance(note_model, NeighborScorer)
            else note_model.scorer()
        )
        self.label_reader: LabelReader | None = (
            label_model
            if label_model is None or isinstance(label_model, LabelReader)
            else label_model.reader()
        )
        self.term_scorer: AssociationScorer | None = (
            associations
            if associations is None or isinstance(associations, AssociationScorer)
            else associations.scorer()
        )
        self.gate: ThresholdedLogistic | None = (
            gate if gate is None or isinstance(gate, ThresholdedLogistic) else gate.rule()
        )
        self.convention: ThresholdedLogistic | None = (
            convention
            if convention is None or isinstance(convention, ThresholdedLogistic)
            else convention.rule()
        )
        # worked out once: every note's candidates read their categories' priors
        neighbors = self.neighbors
        self._category_priors = (
            (neighbors.category_priors(), neighbors.category_priors(SUBCATEGORY_LENGTH))
            if neighbors is not None
            else ({}, {})
        )
        self._category_codes = category_codes(neighbors.prior_) if neighbors is not None else {}
        known = [*(neighbors.classes_ if neighbors is not None else ())]
        known += self.label_reader.classes_ if self.label_reader is not None else ()
        self._categories = {key: code_category(key) for key in known}

    def one_thread(self) -> AbstractContextManager[object]:
        """Pin OpenMP and BLAS to one thread while one note is scored."""
        return self._threads.limit(limits=1)

    def learned_signals(self, text: str) -> LearnedSignals | None:
        """What the labeled notes behind this model say about ``text``'s codes (``None``
        for a model fitted on the code sets alone)."""
        neighbors = self.neighbors
        if neighbors is None:
            return None
        # both learners read the note's word n-grams: cut once, to the longer range
        associations = self.term_scorer
        grams = word_grams(text, max(2, associations.max_words if associations else 2))
        return LearnedSignals(
            neighbors.scores(text, grams),
            associations.scores(grams) if associations is not None else {},
            neighbors.prior_,
            self.match_precision,
            self._label_reading(text),
            *self._category_priors,
            self._category_codes,
            self._categories,
        )

    def _label_reading(self, text: str) -> NoteReading | None:
        if self.label_reader is None:
            return None
        with self.one_thread():
            return self.label_reader.read(text, UNRANKED_LABEL)

    def check_index(self, index_version: str) -> None:
        """Warn when the index in use is not the one this model was fitted against: its
        codes and term table may differ from what the ranker learned."""
        if self.index_version and index_version != self.index_version:
            logger.warning(
                "model %s was fitted against index %s; the index in use is %s",
                self.name,
                self.index_version,
                index_version,
            )

    def ranker_scores(self, features: np.ndarray) -> np.ndarray:
        """The ranker's own P(code is right) for each row of a candidate feature matrix:
        what the coding rules' thresholds were set on (``Suggester``), before calibration."""
        if features.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        if self._trees is not None:
            return self._trees.probabilities(features)  # NumPy alone: no thread pool to pin
        if self._linear is not None:  # a served ranker among them
            return self._linear.probabilities(features)  # nor here: one small product
        ranker = cast("Pipeline", self.ranker)
        import sklearn  # the ranker is a fitted scikit-learn model: loaded already

        # the features are ours, finite by construction: skip sklearn's per-call checks
        with (
            sklearn.config_context(assume_finite=True, skip_parameter_validation=True),
            self.one_thread(),
        ):
            return np.asarray(ranker.predict_proba(features)[:, 1])

    def calibrated(self, scores: np.ndarray, by_guidelines: bool = False) -> np.ndarray:
        """The calibrated probability of each ranker score (a monotone map: the order of
        a note's codes never changes); ``by_guidelines``: of a note read as coded by the
        guidelines, by their own calibrator where the model has one."""
        platt = self._guideline_platt if by_guidelines and self._guideline_platt else self._platt
        return platt.predict(scores) if platt is not None else scores

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated P(code is right) for each row of a candidate feature matrix."""
        return self.calibrated(self.ranker_scores(features))

    @property
    def version(self) -> str:
        """Name and creation time: what suggestions and feedback record as the model version."""
        created = self.card.get("created_at", "")
        return f"{self.name}@{created}" if created else self.name

    def save(self, folder: Path) -> None:
        """Write the artifact and its card into ``folder``."""
        if isinstance(self.ranker, ScaledLogistic | BoostedTrees):
            raise ValueError(f"model {self.name!r} is a served form: save the fitted model")
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": MODEL_FORMAT,
            "ranker": self.ranker,
            "feature_names": self.feature_names,
            "note_model": self.note_model,
            "match_precision": self.match_precision,
            "associations": self.associations,
            "keeps_covered": self.keeps_covered,
            "index_version": self.index_version,
            "libraries": self.libraries,
            "calibrator": self.calibrator,
            "label_model": self.label_model,
            "coded_when_denied": self.coded_when_denied,
            "procedure_gate": self.procedure_gate,
            "denied_convention": self.denied_convention,
            "final_layer": self.final_layer,
            "sibling_candidates": self.sibling_candidates,
            "guideline_calibrator": self.guideline_calibrator,
        }
        with (folder / MODEL_FILE).open("wb") as handle:
            pickle.dump(payload, handle, protocol=5)
        (folder / LEGACY_MODEL_FILE).unlink(missing_ok=True)  # one artifact per folder
        # what load checks before unpickling: it loads only artifacts codesuggest wrote
        self.card["artifact_sha256"] = _sha256(folder / MODEL_FILE)
        (folder / CARD_FILE).write_text(json.dumps(self.card, indent=2, default=str) + "\n")

    @classmethod
    def load(cls, folder: Path, name: str, cache_dir: Path | None = None) -> SuggestModel:
        """Read what :meth:`save` wrote (or, from a model saved before, its joblib file);
        with ``cache_dir``, its served form where it has one, from there (cached there on
        the first read)."""
        artifact = artifact_file(folder)
        if artifact is None:
            raise ModelNotFoundError(f"no model artifact in {folder}")
        card = (
            json.loads((folder / CARD_FILE).read_text()) if (folder / CARD_FILE).is_file() else {}
        )
        # unpickling runs code: refuse an artifact that is not the one its card was saved with
        digest = _sha256(artifact)
        if card.get("artifact_sha256") != digest:
            raise ModelNotFoundError(
                f"the model artifact in {folder} is not the one codesuggest saved there "
                "(its SHA-256 differs from the card's); refusing to load it"
            )
        cached = (
            cache_dir / f"model-{digest[:16]}-served-v{SERVED_FORMAT}.pkl" if cache_dir else None
        )
        if cached is not None and cached.is_file():
            with cached.open("rb") as handle:
                payload = pickle.load(handle)
        else:
            payload = _read_artifact(artifact, name)
            served = _served(payload) if cached is not None else None
            if cached is not None and served is not None:
                _write(cached, served)
                payload = served
        if payload.get("format") != MODEL_FORMAT:
            raise ModelNotFoundError(
                f"the model in {folder} was saved by another codesuggest version "
                f"(format {payload.get('format')}, this version reads {MODEL_FORMAT}); retrain it"
            )
        return cls(
            name,
            payload["ranker"],
            tuple(payload["feature_names"]),
            card,
            payload["note_model"],
            payload["match_precision"],
            payload["associations"],
            payload["keeps_covered"],
            payload["index_version"],
            payload["libraries"],
            payload.get("calibrator"),
            # absent from models fitted before the label model (the default among them)
            payload.get("label_model"),
            payload.get("coded_when_denied", {}),
            payload.get("procedure_gate"),
            payload.get("denied_convention"),
            payload.get("final_layer"),  # absent from models saved before the layer
            payload.get("sibling_candidates", 0),
            payload.get("guideline_calibrator"),  # absent from models saved before it
        )


def _read_artifact(artifact: Path, name: str) -> dict[str, Any]:
    """The fitted objects a model artifact holds (a pickle, or joblib's file saved before),
    warning where they were fitted with other library versions than those installed."""
    if artifact.name == MODEL_FILE:
        with artifact.open("rb") as handle:
            payload: dict[str, Any] = pickle.load(handle)
    else:
        import joblib  # only models saved before the pickle

        payload = joblib.load(artifact)
    libraries = payload.get("libraries", {})
    for library, version in library_versions().items():
        if libraries.get(library) != version:
            logger.warning(
                "model %s was fitted with %s %s; %s is installed",
                name,
                library,
                libraries.get(library),
                version,
            )
    return payload


def _served(payload: dict[str, Any]) -> dict[str, Any] | None:
    """``payload`` with every fitted part as its numbers (its ranker, calibrator, final
    layer, note and label models, associations and decisions), or None where serving it
    needs scikit-learn all the same (a ranker of another kind)."""
    ranker: ScaledLogistic | BoostedTrees | None = scaled_logistic(payload["ranker"])
    if ranker is None:
        with ThreadpoolController().limit(limits=1):  # its one-row probe, as at any load
            ranker = boosted_trees(payload["ranker"])
    if ranker is None:
        return None
    calibrator, layer = payload.get("calibrator"), payload.get("final_layer")
    guideline_calibrator = payload.get("guideline_calibrator")
    # each learner hands its fitted arrays to its served form (suggest.served_learners)
    served = {"note_model": "scorer", "label_model": "reader", "associations": "scorer"}
    served |= {"procedure_gate": "rule", "denied_convention": "rule"}
    learned = {
        part: getattr(payload[part], method)() if payload.get(part) is not None else None
        for part, method in served.items()
    }
    return {
        **payload,
        **learned,
        "ranker": ranker,
        "calibrator": calibrator.map() if calibrator is not None else None,
        "guideline_calibrator": (
            guideline_calibrator.map() if guideline_calibrator is not None else None
        ),
        "final_layer": layer.scorer() if layer is not None else None,
    }


def _platt_map(calibrator: PlattCalibrator | PlattMap | None) -> PlattMap | None:
    """A calibrator's map of scores (a served model holds the map already)."""
    if calibrator is None or isinstance(calibrator, PlattMap):
        return calibrator
    return calibrator.map()


def _write(path: Path, payload: dict[str, Any]) -> None:
    """Pickle ``payload`` to ``path`` whole or not at all (a reader never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        pickle.dump(payload, handle, protocol=5)
    partial.replace(path)


def models_root(data_dir: Path | str | None = None) -> Path:
    """Where trained models live inside the data directory."""
    return resolve_data_dir(data_dir) / "models"


def packaged_model_folder(name: str) -> Path:
    """Folder of a model shipped inside the package (``models/<name>``)."""
    return Path(str(resources.files("models").joinpath(name)))


def model_folder(name: str, data_dir: Path | str | None = None) -> Path:
    """The folder of a model by name: the data directory's first, then the package's."""
    if not MODEL_NAME.match(name):
        raise ModelNotFoundError(
            f"{name!r} is not a model name: models are loaded by name (letters, digits, "
            f". _ -) from {models_root(data_dir)} or the package, never from a path"
        )
    for folder in (models_root(data_dir) / name, packaged_model_folder(name)):
        if artifact_file(folder) is not None:
            return folder
    raise ModelNotFoundError(f"no model named {name!r} in {models_root(data_dir)} or the package")


def artifact_file(folder: Path) -> Path | None:
    """The model artifact in ``folder``: the pickle, or a joblib file saved before it."""
    for name in (MODEL_FILE, LEGACY_MODEL_FILE):
        if (folder / name).is_file():
            return folder / name
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as artifact:
        for block in iter(lambda: artifact.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_model_name(data_dir: Path | str | None = None) -> str:
    """The promoted model's name, or the default when none was promoted."""
    pointer = models_root(data_dir) / CURRENT_FILE
    return pointer.read_text().strip() if pointer.is_file() else DEFAULT_MODEL


def load_model(
    name: str | None = None, data_dir: Path | str | None = None, served: bool = False
) -> SuggestModel:
    """A model by name, or the one in use; ``served``: in its served form where it has
    one (what a suggester scores with), cached in the data directory."""
    chosen = name or current_model_name(data_dir)
    cache_dir = resolve_data_dir(data_dir) / "cache" if served else None
    return SuggestModel.load(model_folder(chosen, data_dir), chosen, cache_dir)


class CurrentModel:
    """The model in use as a long-running process follows it: each ``changed()`` reads
    the ``CURRENT`` pointer's status (one ``stat``, no file read), and loads the model
    it names only when the pointer was replaced since the last look, so a promotion
    reaches a running server with its next request, without a restart."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = data_dir
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        """The pointer's inode and modification time (promotion replaces the file, so
        the inode changes even within one clock tick), or None while there is none."""
        try:
            status = (models_root(self.data_dir) / CURRENT_FILE).stat()
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns

    def changed(self) -> SuggestModel | None:
        """The newly promoted model, or None when the pointer is as last seen (or names
        a model that cannot be loaded: the process keeps the one it has)."""
        stamp = self._stamp()
        if stamp == self._seen:
            return None
        self._seen = stamp
        try:
            return load_model(None, self.data_dir, served=True)
        except ModelNotFoundError:
            return None
