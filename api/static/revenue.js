// The DRG/HCC panel: what the coder's current list groups to (MS-DRG with each
// secondary's CC/MCC, inpatient), the CMS-HCCs it captures and the query opportunities,
// asked again of POST v1/revenue each time the list changes.

const SEVERITY = { MCC: "MCC", CC: "CC", NONE: "not a CC" };

export class RevenuePanel {
  /**
   * element: the panel's container; fetchRevenue(body, signal): the server's answer;
   * onPrincipal(code): the coder chose a principal diagnosis; onError(error).
   */
  constructor(element, { fetchRevenue, onPrincipal, onError }) {
    this.element = element;
    this.fetchRevenue = fetchRevenue;
    this.onPrincipal = onPrincipal;
    this.onError = onError;
    this.pending = null;
  }

  /** Ask the server for the review of ``body`` (codes, setting, encounter) and show it
   * as that of ``scope`` ("the accepted codes"), with the note's query opportunities; an
   * answer overtaken by a later change is dropped. */
  async refresh(body, scope, queries = []) {
    if (this.pending) this.pending.abort();
    const pending = new AbortController();
    this.pending = pending;
    try {
      const revenue = await this.fetchRevenue(body, pending.signal);
      if (this.pending === pending) this.render(revenue, scope, queries);
    } catch (error) {
      if (error.name !== "AbortError") this.onError(error);
    }
  }

  clear() {
    if (this.pending) this.pending.abort();
    this.element.replaceChildren();
    this.element.hidden = true;
  }

  render(revenue, scope, queries) {
    this.element.hidden = false;
    const parts = [element("h3", `DRG and HCCs of ${scope}`)];
    if (revenue.drg) parts.push(...this.drgParts(revenue));
    parts.push(hccPart(revenue.hcc));
    // edits on the list: units over an MUE, Code Editor edits, codes not valid that day
    const edits = Object.values(revenue.warnings).flat();
    if (edits.length) {
      const list = element("ul", "", "edits");
      for (const w of edits) list.append(element("li", w.message, `w-${w.kind}`));
      parts.push(list);
    }
    if (queries.length) {
      const list = element("ul", "", "queries");
      for (const q of queries) {
        list.append(element(
          "li",
          `Query: ${q.code} → ${q.specific_code} (${q.specific_title}) would group to DRG ` +
            `${q.drg_with_specific}; the note lacks “${q.words_missing.join(", ")}”.`,
        ));
      }
      parts.push(list);
    }
    const { code_set: codeSet, assumed } = revenue;
    const notes = [`ICD-10-CM ${codeSet.icd10cm_in_force} as of ${codeSet.date_of_service}`];
    if (codeSet.checked_against) notes.push(`codes checked against ${codeSet.checked_against}`);
    if (codeSet.note) notes.push(codeSet.note);
    for (const [what, value] of Object.entries(assumed)) notes.push(`${what.replace(/_/g, " ")}: ${value}`);
    parts.push(element("p", notes.join(" · "), "hint"));
    this.element.replaceChildren(...parts);
  }

  drgParts(revenue) {
    const { drg } = revenue;
    const headline = drg.drg
      ? `DRG ${drg.drg} ${drg.title} · MDC ${drg.mdc} · ${drg.version}`
      : `Not groupable (${drg.return_code}) · ${drg.version}`;
    const parts = [element("p", headline, "drg")];
    const secondaries = drg.diagnoses.filter((d) => d.role === "secondary");
    const label = element("label", "Principal diagnosis ");
    const select = element("select");
    select.id = "principal";
    for (const d of drg.diagnoses) {
      const option = element("option", d.code);
      option.value = d.code;
      option.selected = d.role === "principal";
      select.append(option);
    }
    select.addEventListener("change", () => this.onPrincipal(select.value));
    label.append(select);
    parts.push(label);
    if (secondaries.length) {
      const list = element("ul", "", "secondaries");
      for (const d of secondaries) {
        const words = d.excluded
          ? `${SEVERITY[d.severity]}, excluded by the principal`
          : SEVERITY[d.severity];
        const item = element("li", `${d.code}: ${words}`);
        if (d.affects_drg) item.classList.add("counts");
        list.append(item);
      }
      parts.push(list);
    }
    return parts;
  }
}

function hccPart(hcc) {
  if (!hcc || !hcc.hccs.length) return element("p", "No HCC captured.", "hccs");
  const models = hcc.models.map(([model, share]) => `${model} ${Math.round(share * 100)}%`);
  const list = element("ul", "", "hccs");
  for (const h of hcc.hccs) {
    const dropped = h.dropped_by ? ` (dropped: HCC ${h.dropped_by} is higher)` : "";
    const item = element("li", `${h.model} HCC ${h.hcc} ${h.label} ← ${h.codes.join(", ")}${dropped}`);
    if (h.dropped_by) item.classList.add("dropped");
    list.append(item);
  }
  const wrapper = element("div");
  wrapper.append(element("p", `HCCs, payment year ${hcc.payment_year} (${models.join(", ")})`), list);
  return wrapper;
}

function element(tag, text = "", className = "") {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}
