// Type-ahead code search: a combobox (input + listbox, the ARIA 1.2 pattern) over
// GET /v1/codes?q=. Only the answer to the latest query is shown.

import { SYSTEM_NAMES } from "./labels.js";

const DELAY_MS = 200;

export class CodeSearch {
  /**
   * find(q, system, signal): a promise of hits [{code, system, title, billable}];
   * onChoose(hit): a hit was chosen; onError(error): a search failed.
   */
  constructor(input, list, systemSelect, { find, onChoose, onError }) {
    Object.assign(this, { input, list, systemSelect, find, onChoose, onError });
    this.hits = [];
    this.active = -1;
    this.timer = null;
    this.pending = null;
    input.addEventListener("input", () => this.schedule());
    systemSelect.addEventListener("change", () => this.schedule());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => this.close());
    // choose on mousedown, before the input loses focus and closes the list
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      this.choose(Number(option.dataset.index));
    });
  }

  focus(system = "") {
    this.systemSelect.value = system;
    this.input.focus();
    this.input.select();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(), DELAY_MS);
  }

  async search() {
    const q = this.input.value.trim();
    if (this.pending) this.pending.abort();
    if (!q) {
      this.close();
      return;
    }
    const pending = new AbortController();
    this.pending = pending;
    try {
      const hits = await this.find(q, this.systemSelect.value, pending.signal);
      if (pending === this.pending) this.show(hits);
    } catch (error) {
      if (error.name !== "AbortError") {
        this.close();
        this.onError(error);
      }
    }
  }

  show(hits) {
    this.hits = hits;
    this.active = hits.length ? 0 : -1;
    const options = hits.map((hit, index) => {
      const option = document.createElement("li");
      option.id = `search-option-${index}`;
      option.setAttribute("role", "option");
      option.dataset.index = String(index);
      const code = document.createElement("span");
      code.className = "code";
      code.textContent = hit.code;
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = hit.title;
      const system = document.createElement("span");
      system.className = "system";
      system.textContent = SYSTEM_NAMES[hit.system];
      option.append(code, " ", title, " ", system);
      if (!hit.billable) {
        const badge = document.createElement("span");
        badge.className = "badge warn";
        badge.textContent = "not billable";
        option.append(" ", badge);
      }
      return option;
    });
    if (!options.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No codes match.";
      options.push(empty);
    }
    this.list.replaceChildren(...options);
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.mark();
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  mark() {
    this.list.querySelectorAll("[role=option]").forEach((option, index) => {
      option.setAttribute("aria-selected", String(index === this.active));
      if (index === this.active) option.scrollIntoView({ block: "nearest" });
    });
    if (this.active >= 0) {
      this.input.setAttribute("aria-activedescendant", `search-option-${this.active}`);
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  key(event) {
    const open = !this.list.hidden && this.hits.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.hits.length) % this.hits.length;
      this.mark();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open && this.active >= 0) this.choose(this.active);
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  choose(index) {
    const hit = this.hits[index];
    this.close();
    this.input.value = "";
    this.onChoose(hit);
  }
}
