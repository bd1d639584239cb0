"""An evaluation written for people: ``report.md`` with the scores, what each one means,
and plots of where the ranking succeeds and fails.

Figures are drawn on ``matplotlib.figure.Figure`` objects and saved straight to PNG, so
no display and no global pyplot state is involved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from training.evaluate import (
    BAND_RECALL_AT,
    CALIBRATION_BINS,
    CONFIDENT,
    GROUP_SYSTEMS,
    MATCHING_RULE,
    MUST_NOT_AT,
    Evaluation,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

REPORT_FILE = "report.md"
PR_PLOT = "precision_recall.png"
BAND_PLOT = "frequency_bands.png"
CALIBRATION_PLOT = "calibration.png"
_DPI = 110


def write_report(evaluation: Evaluation, folder: Path) -> Path:
    """Write ``report.md`` and its PNG plots into ``folder`` (created if needed); returns
    the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    _save(_precision_recall_figure(evaluation), folder / PR_PLOT)
    _save(_band_figure(evaluation), folder / BAND_PLOT)
    _save(_calibration_figure(evaluation), folder / CALIBRATION_PLOT)
    path = folder / REPORT_FILE
    path.write_text(_markdown(evaluation), encoding="utf-8")
    return path


# ------------------------------------------------------------------------- markdown
def _markdown(e: Evaluation) -> str:
    groups = e.groups
    settings = ", ".join(f"{count} {name}" for name, count in sorted(e.settings.items()))
    lines = [
        f"# Evaluation of `{e.model_name}` on {e.corpus}",
        "",
        f"- Model: `{e.model_version}`; decision threshold {e.threshold:g} "
        "(the model card's `threshold`; 0.5 when it names none)",
        f"- Corpus: `{e.corpus}`: {sum(e.settings.values())} notes ({settings}); "
        f"{len(e.reading_problems)} rows the reader could not use",
        f"- Code index: `{e.index_version}`",
        f"- Evaluated: {e.evaluated_at} ({e.seconds:.1f} s)",
        f"- Matching: {MATCHING_RULE}.",
        "",
        "## Scores",
        "",
        "| | " + " | ".join(g.name for g in groups) + " |",
        "|---|" + "---:|" * len(groups),
        *(f"| {label} | " + " | ".join(cells) + " |" for label, cells in summary_rows(e)),
        "",
        "## Gold codes missing from the code set",
        "",
        "A gold code is present when the index holds it or a code extending it; a missing "
        "one can never be suggested, so it bounds recall.",
        "",
    ]
    for g in groups:
        c = g.coverage
        examples = ", ".join(c.missing_examples) or "none"
        lines.append(
            f"- {g.name}: {c.missing} of {c.gold_codes} gold codes ({c.missing_distinct} of "
            f"{c.distinct} distinct) missing; e.g. {examples}"
        )
    if e.unscored_gold:
        unscored = ", ".join(f"{n} {system}" for system, n in sorted(e.unscored_gold.items()))
        lines.append(f"- not scored (no group for their system in the note's setting): {unscored}")
    hits = [(g.name, *hit) for g in groups for hit in g.must_not_hits]
    lines += ["", f"## Must-not codes in the top {MUST_NOT_AT}", ""]
    if hits:
        lines += ["| group | note | code | rank |", "|---|---|---|---:|"]
        lines += [f"| {name} | {note} | {code} | {rank} |" for name, note, code, rank in hits]
    else:
        listed = sum(len(n.must_not) for g in groups for n in g.notes)
        lines.append(f"None ({listed} must-not codes listed by the corpus).")
    if e.reading_problems:
        lines += ["", "Rows the corpus reader could not use (first 10):", ""]
        lines += [f"- {problem}" for problem in e.reading_problems[:10]]
    lines += _plots_section(e)
    lines += _definitions(e)
    return "\n".join(lines) + "\n"


def summary_rows(e: Evaluation) -> list[tuple[str, list[str]]]:
    """The scores table, one (label, cell per group) row each: shared by the report and
    ``codesuggest evaluate``."""
    groups = e.groups
    rows = [
        ("systems scored", [", ".join(g.systems) or "-" for g in groups]),
        ("notes scored", [str(g.notes_scored) for g in groups]),
        ("notes with gold codes", [str(g.notes_with_gold) for g in groups]),
        ("gold codes", [str(g.gold_codes) for g in groups]),
        ("suggestions", [str(g.scores.size) for g in groups]),
    ]
    rows += [(name, [f"{g.metrics[name]:.4f}" for g in groups]) for name in groups[0].metrics]
    rows.append(
        (
            f"wrong with score >= {CONFIDENT:g}",
            [f"{g.confident_wrong[0]} of {g.confident_wrong[1]}" for g in groups],
        )
    )
    rows.append(
        (
            f"must-not codes in top {MUST_NOT_AT}",
            [
                f"{len(g.must_not_hits)} ({sum(len(n.must_not) for n in g.notes)} listed)"
                for g in groups
            ],
        )
    )
    rows.append(
        (
            "gold codes not in code set",
            [f"{g.coverage.missing} ({g.coverage.missing_distinct} distinct)" for g in groups],
        )
    )
    return rows


def _plots_section(e: Evaluation) -> list[str]:
    lines = [
        "",
        "## Precision and recall by threshold",
        "",
        f"![precision-recall]({PR_PLOT})",
        "",
        "Every suggestion of every note, pooled, ranked by score: each point is the "
        "precision and recall when all suggestions scoring at least a threshold are "
        "predictions. Recall counts all gold codes, including those never suggested, so "
        "the curve ends where the candidates run out. The dot is the model's threshold.",
        "",
        "## Scores by gold-code frequency",
        "",
        f"![frequency bands]({BAND_PLOT})",
        "",
        f"Gold codes are banded by the number of notes of `{e.frequency_reference}` that "
        "carry them (a separate training corpus gives a band of codes it never saw). Band "
        "MAP: per note with a gold code in the band, average precision against that band's "
        "gold codes, after removing the suggestions that matched gold codes of other bands "
        "(neither right nor wrong for this band); averaged over those notes. Band recall: "
        f"share of the band's gold codes matched within the first {BAND_RECALL_AT} "
        "suggestions of their note. The label above each pair of bars is the number of gold "
        "codes in the band.",
        "",
    ]
    lines += ["| group | band | gold codes | distinct | notes | MAP | recall |", "|---" * 7 + "|"]
    for g in e.groups:
        for b in g.by_frequency():
            lines.append(
                f"| {g.name} | {b.band} | {b.gold_codes} | {b.distinct} | {b.notes} | "
                f"{b.map:.4f} | {b.recall:.4f} |"
            )
    lines += [
        "",
        "## Calibration",
        "",
        f"![calibration]({CALIBRATION_PLOT})",
        "",
        f"Suggestions in {CALIBRATION_BINS} equal score bins: the bar is the fraction that "
        "matched a gold code, the diagonal is perfect calibration, the number is how many "
        "suggestions fell in the bin. Bars above the diagonal mean the scores understate how "
        "often the model is right. ECE (in each title and the scores table) is the gap between "
        "bar and diagonal averaged over bins, weighted by the suggestions in each.",
    ]
    return lines


def _definitions(e: Evaluation) -> list[str]:
    procedures = ", ".join(
        f"{system.value} for {setting} notes"
        for setting, system in GROUP_SYSTEMS["procedures"].items()
    )
    return [
        "",
        "## Definitions",
        "",
        f"- Groups: diagnoses are scored in icd10cm; procedures in {procedures}. HCPCS "
        "Level II is in neither group. Each group is ranked and scored on its own.",
        f"- Matching: {MATCHING_RULE}.",
        "- Notes scored: notes with a gold code or a suggestion in the group. A note with "
        "suggestions but no gold code scores 0 (as the official CodiEsp script counts it); "
        "a note with neither is left out.",
        "- MAP: mean over notes scored of average precision: the sum, over the ranks holding "
        "a match, of the share of matches in the ranks so far, divided by the note's number "
        "of gold codes (gold codes never suggested count as 0). The first 1000 suggestions "
        "count (the official CodiEsp depth).",
        "- P@k: matches among the first k suggestions, divided by k (even when fewer were "
        "made). R@k: share of the note's gold codes matched within the first k. Both "
        "averaged over notes scored.",
        f"- Micro precision / recall / F1: at the decision threshold ({e.threshold:g}); "
        "suggestions scoring at least it are predictions; matches, predictions and gold "
        "codes are summed over all notes before dividing.",
        "- Macro F1: F1 per code (every code that is a gold code or a prediction somewhere), "
        "averaged over codes, so rare codes weigh as much as common ones.",
        f"- Wrong with score >= {CONFIDENT:g} (`confident_wrong`, and its share "
        f"`confident_wrong_share`): suggestions scoring at least {CONFIDENT:g} that match no "
        "gold code, pooled over notes, whatever the model's threshold.",
        f"- Must-not codes: codes the corpus says must not be reported for a note (denied, "
        "family history, wrong type, laterality or sex, misread numbers, integral symptoms); "
        f"a hit is one within the note's first {MUST_NOT_AT} suggestions, a code under a "
        "must-not category included. CodiEsp lists none.",
        f"- ECE: expected calibration error over {CALIBRATION_BINS} equal-width score bins: "
        "the sum over bins of (suggestions in the bin / all suggestions) x |mean score - "
        "fraction correct|.",
        "- All metrics are those of `training/metrics.py`, which documents how they relate "
        "to the official CodiEsp script.",
    ]


# --------------------------------------------------------------------------- figures
def _precision_recall_figure(e: Evaluation) -> Figure:
    fig = _figure(6.5, 5)
    ax = fig.subplots()
    for g in e.groups:
        curve = g.precision_recall()
        if not curve.thresholds.size:
            continue
        (line,) = ax.plot(curve.recall, curve.precision, label=g.name)
        at = curve.thresholds >= g.threshold
        if at.any():
            last = int(at.nonzero()[0][-1])
            ax.plot(
                curve.recall[last],
                curve.precision[last],
                "o",
                color=line.get_color(),
                label=f"{g.name} at threshold {g.threshold:g}",
            )
    ax.set(xlabel="recall (of all gold codes)", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.set_title(f"Precision-recall: {e.model_name}", fontsize=10)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(fontsize=8)
    else:
        _no_data(ax)
    return fig


def _band_figure(e: Evaluation) -> Figure:
    fig = _figure(11, 4.5)
    for ax, g in zip(fig.subplots(1, 2), e.groups, strict=True):
        bands = g.by_frequency()
        ax.set_title(f"{g.name} by gold-code frequency", fontsize=10)
        if not bands:
            _no_data(ax)
            continue
        x = range(len(bands))
        ax.bar([i - 0.2 for i in x], [b.map for b in bands], width=0.4, label="band MAP")
        ax.bar(
            [i + 0.2 for i in x],
            [b.recall for b in bands],
            width=0.4,
            label=f"recall@{BAND_RECALL_AT}",
        )
        for i, b in zip(x, bands, strict=True):
            ax.annotate(
                f"n={b.gold_codes}", (i, max(b.map, b.recall)), ha="center", va="bottom", fontsize=8
            )
        ax.set_xticks(list(x), [b.band for b in bands])
        ax.set(xlabel="notes carrying the code in the reference", ylim=(0, 1.05))
        ax.legend(fontsize=8)
    return fig


def _calibration_figure(e: Evaluation) -> Figure:
    fig = _figure(11, 4.5)
    for ax, g in zip(fig.subplots(1, 2), e.groups, strict=True):
        ax.set_title(
            f"{g.name}: score vs fraction correct, ECE {g.metrics['ece']:.3f}", fontsize=10
        )
        ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
        ax.set(xlabel="score", ylabel="fraction matching a gold code", xlim=(0, 1), ylim=(0, 1.1))
        bins = [b for b in g.calibration() if b.candidates]
        if not bins:
            _no_data(ax)
            continue
        ax.bar(
            [b.low for b in bins],
            [b.fraction_correct for b in bins],
            width=1 / CALIBRATION_BINS,
            align="edge",
            alpha=0.7,
            edgecolor="black",
        )
        for b in bins:
            ax.annotate(
                str(b.candidates),
                ((b.low + b.high) / 2, b.fraction_correct),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    return fig


def _figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches. matplotlib is imported only when a report
    is drawn: what imports this module for its tables (the CLI, and so ``codesuggest
    serve``) would otherwise pay a third of a second to import it."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no gold codes or suggestions", ha="center", va="center")


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
