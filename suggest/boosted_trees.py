"""A fitted gradient-boosting reranker's scores for one note, all trees at once.

``HistGradientBoostingClassifier.predict_proba`` checks its input and walks the trees one
call at a time; for one note's hundred-odd candidates and a few hundred trees of 31
leaves the calls cost more than the walk. ``BoostedTrees`` finds every row's leaf in
every tree with a few whole-array NumPy operations instead (the bit-vector scheme of
Lucchese et al.'s QuickScorer, SIGIR 2015): number each tree's leaves left to right; a
split a row fails (it goes right) rules out the leaves of its left subtree; the leaf the
row reaches is the leftmost leaf no failed split rules out. Which splits on a feature a
row fails depends only on how many of that feature's thresholds lie below its value, so
the AND of their masks, per tree, is looked up in a table made once; a row's leaves are
the AND of one table row per feature. It then adds the leaves' values up in the order
the classifier does (its baseline, then each tree in turn, in float64), so its
probabilities are the classifier's, bit for bit.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from suggest.scaled_logistic import expit

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier

_ALL_LEAVES = np.uint32(0xFFFFFFFF)  # a tree's leaves, one bit each: at most 32
_ALL_WORD = np.uint64(0xFFFFFFFFFFFFFFFF)  # two trees' leaves
# the lowest set bit of a 32-bit word, times this de Bruijn number, has a distinct top 5
# bits for each of the 32 positions: a position found without a loop
_DE_BRUIJN = np.uint32(0x077CB531)


class BoostedTrees:
    """P(class 1) of a fitted binary ``HistGradientBoostingClassifier`` without
    categorical features whose trees have at most 32 leaves (``max_leaf_nodes=31``).

    What it keeps is derived from the fitted classifier (per feature its split
    thresholds, and tables of which leaves remain): never saved in a model artifact, it
    is a served model's ranker (``suggest.model``), scored without scikit-learn."""

    def __init__(self, classifier: HistGradientBoostingClassifier) -> None:
        if classifier.n_trees_per_iteration_ != 1 or classifier.is_categorical_ is not None:
            raise ValueError("BoostedTrees scores binary classifiers of numeric features only")
        trees = [tree.nodes for (tree,) in classifier._predictors]
        count = len(trees)
        feature, threshold, tree_of, mask, missing_left = (
            np.concatenate(column)
            for column in zip(*(_splits(nodes, t) for t, nodes in enumerate(trees)), strict=True)
        )
        self._used = np.unique(feature.astype(np.intp))
        # every distinct threshold of every feature, sorted: one search places a value
        # among them, and a feature's own thresholds below it are counted from there
        self._cuts = np.unique(threshold)
        width = len(self._cuts) + 2  # below each cut's place, then a row for a missing value
        # an even number of trees: the tables' 32-bit words are read two at a time
        padded = count + count % 2
        rows: list[np.ndarray] = []
        lookup = np.empty((len(self._used), width), dtype=np.intp)
        for k, f in enumerate(self._used.tolist()):
            mine = feature == f
            own = np.unique(threshold[mine])
            table = np.full((len(own) + 2, padded), _ALL_LEAVES, dtype=np.uint32)
            # row i: the leaves left when the row fails the splits with the i lowest
            # thresholds; the last row: when its value is missing (NaN)
            place = np.searchsorted(own, threshold[mine]) + 1
            np.bitwise_and.at(table, (place, tree_of[mine]), mask[mine])
            np.bitwise_and.accumulate(table[:-1], axis=0, out=table[:-1])
            right = mine & ~missing_left
            np.bitwise_and.at(table, (-1, tree_of[right]), mask[right])
            start = sum(len(r) for r in rows)
            below = np.searchsorted(own, self._cuts, side="left")  # own cuts under each cut
            lookup[k, :-1] = start + np.append(below, len(own))
            lookup[k, -1] = start + len(own) + 1
            rows.append(table)
        self._lookup = lookup.ravel()
        self._width = width
        self._offsets = np.arange(len(self._used), dtype=np.intp) * width
        table = np.concatenate(rows) if rows else np.full((1, padded), _ALL_LEAVES, np.uint32)
        self._table = table.view(np.uint64)
        self._count = count
        values = np.zeros((count, 32), dtype=np.float64)
        for t, nodes in enumerate(trees):
            leaves = _leaves_in_order(nodes)
            slots = _slot(np.uint32(1) << np.arange(len(leaves), dtype=np.uint32))
            values[t, slots] = nodes["value"][leaves]
        self._values = values.ravel()
        self._tree_slots = np.arange(count, dtype=np.intp) * 32
        self._baseline = classifier._baseline_prediction.ravel()[0]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(class 1) of each row, as ``predict_proba(features)[:, 1]`` gives it."""
        values = np.asarray(features, dtype=np.float64)[:, self._used]
        # where each value lies among all cuts; a missing one takes its feature's last row
        place = np.searchsorted(self._cuts, values, side="left")
        missing = np.isnan(values)
        if missing.any():
            place[missing] = self._width - 1
        place += self._offsets
        # per row, the AND over features of the leaves each leaves standing (two trees a
        # 64-bit word), one feature at a time into one array (not all features' words
        # gathered at once: ~4 MB a note), then per tree the leftmost leaf standing
        rows = self._lookup[place]
        table = self._table
        standing = np.full((len(values), table.shape[1]), _ALL_WORD, dtype=np.uint64)
        for k in range(rows.shape[1]):
            standing &= table[rows[:, k]]
        left = standing.view(np.uint32)[:, : self._count]
        lowest = left & (~left + np.uint32(1))
        leaf = _slot(lowest).astype(np.intp) + self._tree_slots
        sums = np.empty((len(values), self._count + 1), dtype=np.float64)
        sums[:, 0] = self._baseline
        sums[:, 1:] = self._values[leaf]
        # a cumulative sum adds in sequence, as the classifier's ``+=`` per tree does
        return np.asarray(expit(np.cumsum(sums, axis=1)[:, -1]))


def _slot(bits: np.ndarray) -> np.ndarray:
    """A distinct number in 0..31 for each single-bit 32-bit word."""
    return (bits * _DE_BRUIJN) >> np.uint32(27)


def _leaves_in_order(nodes: np.ndarray) -> list[int]:
    """A tree's leaves (node numbers) from left to right."""
    leaves: list[int] = []
    stack = [0]
    while stack:
        node = stack.pop()
        if nodes["is_leaf"][node]:
            leaves.append(node)
        else:
            stack += [int(nodes["right"][node]), int(nodes["left"][node])]
    return leaves


def _splits(
    nodes: np.ndarray, tree: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A tree's splits: feature, threshold, tree number, the mask of the leaves left when
    a row goes right (all but the left subtree's), and whether a missing value goes left."""
    leaves = _leaves_in_order(nodes)
    if len(leaves) > 32:
        raise ValueError("BoostedTrees scores trees of at most 32 leaves")
    bit = {node: 1 << k for k, node in enumerate(leaves)}
    under: dict[int, int] = {}  # node -> its subtree's leaf bits

    def leaf_bits(node: int) -> int:
        if node not in under:
            under[node] = (
                bit[node]
                if nodes["is_leaf"][node]
                else leaf_bits(int(nodes["left"][node])) | leaf_bits(int(nodes["right"][node]))
            )
        return under[node]

    split = np.flatnonzero(~nodes["is_leaf"].astype(bool))
    masks = [0xFFFFFFFF & ~leaf_bits(int(nodes["left"][s])) for s in split.tolist()]
    return (
        nodes["feature_idx"][split].astype(np.intp),
        nodes["num_threshold"][split].astype(np.float64),
        np.full(len(split), tree, dtype=np.intp),
        np.array(masks, dtype=np.uint32),
        nodes["missing_go_to_left"][split].astype(bool),
    )


def boosted_trees(ranker: Any) -> BoostedTrees | None:
    """The compiled scorer of a ranker that is a pipeline of one fitted
    ``HistGradientBoostingClassifier``; ``None`` for any other ranker (scored by its own
    ``predict_proba``)."""
    # unpickling such a pipeline imported scikit-learn's pipelines and ensembles;
    # importing them for any other ranker (the default model's) would add a tenth to a
    # cold start, and a served model's trees are scored without scikit-learn
    pipeline = sys.modules.get("sklearn.pipeline")
    if pipeline is None or not isinstance(ranker, pipeline.Pipeline) or len(ranker.steps) != 1:
        return None
    classifier = ranker.steps[0][1]
    ensemble = sys.modules.get("sklearn.ensemble")
    if ensemble is None or not isinstance(classifier, ensemble.HistGradientBoostingClassifier):
        return None
    try:
        trees = BoostedTrees(classifier)
        # the trees are read from scikit-learn's private node arrays, whose layout may
        # change between releases: a scorer that fails or disagrees on a probe row is
        # not used
        probe = np.zeros((1, classifier.n_features_in_))
        if trees.probabilities(probe)[0] != classifier.predict_proba(probe)[0, 1]:
            return None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    return trees
