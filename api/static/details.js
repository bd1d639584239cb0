// A code's details in a dialog: title, validity, tabular instructions (its own and those
// it inherits from its parents, block and chapter), parents, siblings and children. A related code opens in
// the same dialog; "Use this code" hands the shown code back, to replace a suggestion.

import { SYSTEM_NAMES } from "./labels.js";

const INSTRUCTIONS = [
  ["terms", "Includes and index terms"],
  ["excludes1", "Excludes1 (never reported together)"],
  ["excludes2", "Excludes2 (not included here; may be reported together)"],
  ["code_first", "Code first"],
  ["use_additional", "Use additional code"],
  ["code_also", "Code also"],
];

export class CodeDetails {
  /** fetchCode(system, code): a promise of GET /v1/codes/{system}/{code}. */
  constructor(dialog, title, body, { fetchCode, onError }) {
    Object.assign(this, { dialog, title, body, fetchCode, onError });
    this.shown = 0; // which open() call the dialog is showing, so a slow answer is dropped
  }

  /** choice: null, or {replaces: "E11.9", onChoose(hit)} to offer the shown code. */
  async open(system, code, choice = null) {
    const call = ++this.shown;
    this.title.textContent = code;
    this.body.replaceChildren(text("p", "Loading…", "hint"));
    if (!this.dialog.open) this.dialog.showModal();
    try {
      const detail = await this.fetchCode(system, code);
      const parents = await Promise.all(detail.parents.map((p) => this.fetchCode(system, p.code)));
      if (call === this.shown) this.show(detail, parents, choice);
    } catch (error) {
      if (call !== this.shown) return;
      this.body.replaceChildren(text("p", error.message, "error-text"));
      this.onError(error);
    }
  }

  show(detail, parents, choice) {
    this.title.textContent = `${detail.code} ${detail.title}`;
    const parts = [];
    const valid = detail.status.billable ? "ok-text" : "warn-text";
    const status = text("p", detail.status.message, valid);
    status.prepend(`${SYSTEM_NAMES[detail.system]} · `);
    parts.push(status);
    const groups = Object.entries(detail.groups).map(([key, name]) => `${key} ${name}`);
    if (groups.length) parts.push(text("p", groups.join(" › "), "hint"));
    if (choice && detail.code !== choice.replaces) {
      const use = text("button", `Use ${detail.code} instead of ${choice.replaces}`, "primary");
      use.type = "button";
      use.addEventListener("click", () => {
        this.dialog.close();
        choice.onChoose({
          code: detail.code, system: detail.system, title: detail.title, billable: detail.billable,
        });
      });
      parts.push(use);
    }
    for (const [field, heading] of INSTRUCTIONS) {
      const own = detail[field].map((line) => [line, ""]);
      const inherited = parents.flatMap((p) => p[field].map((line) => [line, ` (at ${p.code})`]));
      const grouped = Object.entries(detail.group_instructions || {}).flatMap(([group, notes]) =>
        (notes[field] || []).map((line) => [line, ` (for all of ${group})`]),
      );
      const lines = [...own, ...inherited, ...grouped];
      if (lines.length) parts.push(section(heading, lines));
    }
    const sevenths = Object.entries(detail.seventh_characters);
    if (sevenths.length) {
      const lines = sevenths.map(([character, meaning]) => [`${character}: ${meaning}`, ""]);
      parts.push(section("7th characters", lines));
    }
    const siblings = parents.length
      ? parents[0].children.filter((sibling) => sibling.code !== detail.code)
      : [];
    parts.push(
      this.links("Parents", [...detail.parents].reverse(), detail.system, choice),
      this.links("Siblings", siblings, detail.system, choice),
      this.links("More specific codes", detail.children, detail.system, choice),
    );
    this.body.replaceChildren(...parts.filter(Boolean));
  }

  links(heading, codes, system, choice) {
    if (!codes.length) return null;
    const list = document.createElement("ul");
    list.className = "code-links";
    for (const link of codes) {
      const button = text("button", link.code, "code-link");
      button.type = "button";
      button.setAttribute("aria-label", `Show ${link.code}: ${link.title}`);
      button.addEventListener("click", () => this.open(system, link.code, choice));
      const item = document.createElement("li");
      item.append(button, ` ${link.title}`);
      list.append(item);
    }
    const wrapper = document.createElement("section");
    wrapper.append(text("h3", heading), list);
    return wrapper;
  }
}

function section(heading, lines) {
  const list = document.createElement("ul");
  for (const [line, where] of lines) {
    const item = text("li", line);
    if (where) item.append(text("span", where, "hint"));
    list.append(item);
  }
  const wrapper = document.createElement("section");
  wrapper.append(text("h3", heading), list);
  return wrapper;
}

function text(tag, content, className = "") {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className) element.className = className;
  return element;
}
