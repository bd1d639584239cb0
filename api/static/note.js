// The note with every mention highlighted: the kind of mention as its colour, its
// context (negated, historical, hypothetical, family, uncertain) as its line style.
//
// Mentions nest and overlap ("type 2 diabetes with diabetic chronic kidney disease"
// holds "diabetes"), so the note is cut at every mention and evidence boundary into
// segments; a segment is styled after the shortest mention covering it, the one whose
// context applies to those words most narrowly.
//
// Offsets from the server count Unicode code points (Python strings), not the UTF-16
// units of JavaScript strings, so the text is cut as an array of code points.

import { CONTEXTS } from "./labels.js";

const FLAGS = Object.keys(CONTEXTS);
const KIND_WORDS = { diagnosis: "diagnosis", procedure: "procedure", supply: "supply or drug" };

export class NoteView {
  /**
   * container: where the note goes; info: a line that describes the pointed-at mention.
   * onPoint(segment | null): the pointer (or keyboard focus) entered or left a segment;
   * onChoose(segment): a segment was clicked, or Enter pressed on it.
   */
  constructor(container, info, { onPoint, onChoose }) {
    this.container = container;
    this.info = info;
    this.segments = [];
    this.suggestedCodes = new Set();
    container.addEventListener("mouseover", (event) => {
      const segment = this.segmentOf(event.target);
      this.describe(segment);
      onPoint(segment);
    });
    container.addEventListener("mouseleave", () => onPoint(null));
    container.addEventListener("click", (event) => {
      const segment = this.segmentOf(event.target);
      if (segment) onChoose(segment);
    });
    // the keyboard: arrows step from mention to mention, Enter goes to its suggestion
    container.addEventListener("focusin", (event) => {
      const segment = this.segmentOf(event.target);
      if (segment) {
        this.describe(segment);
        onPoint(segment);
      }
    });
    container.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      const segment = this.segmentOf(event.target);
      if (step) this.step(segment, step);
      else if ((event.key === "Enter" || event.key === " ") && segment) onChoose(segment);
      else return;
      event.preventDefault();
    });
  }

  /** Focus the next (step 1) or previous (-1) highlighted segment after `from`. */
  step(from, step) {
    const marked = this.segments.filter((s) => s.mentions.length);
    if (!marked.length) return;
    const at = from ? marked.indexOf(from) : -1;
    const next = at === -1 ? (step > 0 ? 0 : marked.length - 1) : at + step;
    if (next < 0 || next >= marked.length) return;
    marked[next].element.focus();
  }

  /** Show text (exactly as it was sent) with its mentions. */
  render(text, mentions, suggestions) {
    const chars = Array.from(text);
    const cuts = new Set([0, chars.length]);
    for (const m of mentions) cuts.add(m.start).add(m.end);
    for (const s of suggestions) for (const e of s.evidence) cuts.add(e.start).add(e.end);
    const points = [...cuts].filter((p) => p >= 0 && p <= chars.length).sort((a, b) => a - b);
    this.suggestedCodes = new Set(suggestions.map((s) => s.code));
    this.segments = [];
    const fragment = document.createDocumentFragment();
    for (let i = 0; i + 1 < points.length; i += 1) {
      const [start, end] = [points[i], points[i + 1]];
      const words = chars.slice(start, end).join("");
      const covering = mentions
        .filter((m) => m.start <= start && m.end >= end)
        .sort((a, b) => a.end - a.start - (b.end - b.start));
      const element = document.createElement("span");
      element.textContent = words;
      element.dataset.segment = String(this.segments.length);
      if (covering.length) {
        const inner = covering[0];
        element.classList.add("m", `m-${inner.kind}`);
        for (const flag of FLAGS) if (inner[flag]) element.classList.add(`is-${flag}`);
        element.title = covering.map((m) => this.explain(m)).join("\n");
        element.setAttribute("aria-label", `${words}: ${element.title}`);
        element.tabIndex = -1; // reached with the arrow keys from the note
      }
      this.segments.push({ element, start, end, mentions: covering });
      fragment.append(element);
    }
    this.container.replaceChildren(fragment);
  }

  /** Mark the segments inside these [start, end) ranges; scroll to the first if asked. */
  highlight(ranges, { scroll = false } = {}) {
    let first = null;
    for (const segment of this.segments) {
      const inside = ranges.some(([start, end]) => segment.start < end && segment.end > start);
      segment.element.classList.toggle("evidence", inside);
      if (inside && first === null) first = segment.element;
    }
    if (scroll && first) first.scrollIntoView({ block: "nearest" });
  }

  segmentOf(target) {
    const element = target.closest ? target.closest("[data-segment]") : null;
    return element ? this.segments[Number(element.dataset.segment)] : null;
  }

  /** The innermost mention at a segment and, if longer, the outermost one around it. */
  describe(segment) {
    if (!segment || !segment.mentions.length) return;
    const { mentions } = segment;
    const shown = mentions.length > 1 ? [mentions[0], mentions[mentions.length - 1]] : mentions;
    this.info.textContent = shown.map((m) => this.explain(m)).join(" · within ");
  }

  /** What was found in a mention and what became of it, in words. */
  explain(mention) {
    const flags = FLAGS.filter((flag) => mention[flag]).map((flag) => CONTEXTS[flag]);
    const quoted = mention.cues.map((cue) => `“${cue}”`).join(", ");
    const cues = quoted ? ` (${quoted})` : "";
    const context = flags.length ? `, ${flags.join(", ")}${cues}` : "";
    const suggested = mention.codes.filter((code) => this.suggestedCodes.has(code));
    let outcome;
    if (suggested.length) outcome = `suggested ${suggested.join(", ")}`;
    else if (mention.negated) outcome = "not suggested: negated";
    else if (flags.length) outcome = `not suggested: ${flags.join(", ")}`;
    else if (mention.codes.length) outcome = `not suggested (${listed(mention.codes, 4)})`;
    else outcome = "no code found for it";
    const kind = KIND_WORDS[mention.kind] || mention.kind;
    return `“${mention.text}”: ${kind}${context}; ${outcome}`;
  }
}

/** The first `most` items, and how many more there are. */
function listed(items, most) {
  const more = items.length > most ? ` and ${items.length - most} more` : "";
  return items.slice(0, most).join(", ") + more;
}
