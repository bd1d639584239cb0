// The coder's review page: sign in with an API key, get suggestions for a note, accept,
// reject, replace or add codes, and submit the decisions as feedback.
//
// The review in progress (note, suggestions, decisions) is kept in sessionStorage after
// every change, so neither a failed submit nor a reload loses what the coder decided.

import { ApiError, request } from "./api.js";
import { CodeDetails } from "./details.js";
import { finalCodesBundle } from "./fhir.js";
import { CONTEXTS, DENIED_KINDS, SYSTEM_NAMES, WARNINGS } from "./labels.js";
import { NoteView } from "./note.js";
import { RevenuePanel } from "./revenue.js";
import { CodeSearch } from "./search.js";

const KEY_ITEM = "codesuggest.key"; // sessionStorage: this tab only
const REVIEW_ITEM = "codesuggest.review"; // sessionStorage: the review in progress
const CODER_ITEM = "codesuggest.coderId"; // sessionStorage: the coder the key names
const ACTION_WORDS = { accept: "Accepted", reject: "Rejected", edit: "Replaced", add: "Added" };

const $ = (id) => document.getElementById(id);

let key = sessionStorage.getItem(KEY_ITEM);
let coderId = sessionStorage.getItem(CODER_ITEM) || "";
// {text, setting, dateOfService, patient, principal, response, decisions: {key: decision},
//  units: {key: units the coder set}, added: [hit], saved}
let review = JSON.parse(sessionStorage.getItem(REVIEW_ITEM) || "null");
let current = null; // the suggestion the shortcuts act on
let replacing = null; // the suggestion being replaced through the search box
const items = new Map(); // suggestion key -> {suggestion, li, parts}, in page order

const note = new NoteView($("note-display"), $("mention-info"), {
  onPoint: pointAtNote,
  onChoose: chooseInNote,
});
const search = new CodeSearch($("search-input"), $("search-results"), $("search-system"), {
  find: findCodes,
  onChoose: chooseCode,
  onError: showError,
});
const revenuePanel = new RevenuePanel($("revenue"), {
  fetchRevenue: (body, signal) => call("POST", "v1/revenue", body, signal),
  onPrincipal: (code) => {
    review.principal = code;
    saveReview();
    refreshRevenue();
  },
  onError: showError,
});
const details = new CodeDetails($("code-dialog"), $("code-dialog-title"), $("code-dialog-body"), {
  fetchCode,
  onError: showError,
});

// ------------------------------------------------------------------ the API
function call(method, path, body = undefined, signal = undefined) {
  return request(key, method, path, body, signal);
}

function findCodes(q, system, signal) {
  const params = new URLSearchParams({ q, top: "12" });
  if (system) params.set("system", system);
  return call("GET", `v1/codes?${params}`, undefined, signal);
}

function fetchCode(system, code) {
  return call("GET", `v1/codes/${system}/${encodeURIComponent(code)}`);
}

// ------------------------------------------------------------- messages
function showMessage(words, kind = "info") {
  const box = $("message");
  box.textContent = words;
  box.className = `message ${kind}`;
  box.hidden = false;
}

function clearMessage() {
  $("message").hidden = true;
}

/** Say what went wrong; a refused key sends the coder to sign in, keeping the review. */
function showError(error) {
  if (!(error instanceof ApiError)) throw error;
  showMessage(error.message, "error");
  if (error.status === 401) {
    if ($("code-dialog").open) $("code-dialog").close();
    key = null;
    sessionStorage.removeItem(KEY_ITEM);
    showSignIn();
  }
}

// -------------------------------------------------------------- sign in
function showSignIn() {
  $("sign-in").hidden = false;
  $("workspace").hidden = true;
  $("session").hidden = true;
  $("api-key").focus();
}

function showWorkspace() {
  $("sign-in").hidden = true;
  $("workspace").hidden = false;
  $("session").hidden = false;
  $("session-coder").textContent = coderId;
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = $("api-key").value.trim();
  let me;
  try {
    await request(candidate, "GET", "v1/codes?q=code&top=1"); // any coder key may search
    me = await request(candidate, "GET", "v1/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      showMessage("This key may not look codes up: sign in with a coder key.", "error");
    } else {
      showError(error);
    }
    return;
  }
  if (!me.coder_id) {
    showMessage(
      `This is not a coder key (its role is ${me.role}): sign in with a coder key, which ` +
        "names the coder your decisions are recorded under.",
      "error",
    );
    return;
  }
  key = candidate;
  coderId = me.coder_id;
  sessionStorage.setItem(KEY_ITEM, key);
  sessionStorage.setItem(CODER_ITEM, coderId);
  $("api-key").value = "";
  if (review && !review.saved && decisionsToSend().length) {
    showMessage("Signed in. Your decisions are as you left them: submit them when ready.");
  } else {
    clearMessage();
  }
  showWorkspace();
});

$("sign-out").addEventListener("click", () => {
  if (!discardUnsaved("Sign out")) return;
  key = null;
  sessionStorage.removeItem(KEY_ITEM);
  sessionStorage.removeItem(CODER_ITEM);
  setReview(null);
  clearMessage();
  showSignIn();
});

// ----------------------------------------------------------------- note
$("note-file").addEventListener("change", async (event) => {
  const [file] = event.target.files;
  if (!file) return;
  $("note-text").value = await file.text();
  event.target.value = ""; // so the same file can be opened again
});

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("note-text").value;
  const body = { text, setting: $("setting").value };
  const dateOfService = $("date-of-service").value;
  if (dateOfService) body.date_of_service = dateOfService;
  const patient = {};
  if ($("patient-sex").value) patient.sex = $("patient-sex").value;
  if ($("patient-age").value !== "") patient.age = Number($("patient-age").value);
  if (Object.keys(patient).length) body.patient = patient;
  const button = $("suggest-button");
  button.disabled = true;
  button.textContent = "Suggesting…";
  try {
    const response = await call("POST", "v1/suggest", body);
    clearMessage();
    setReview({
      text,
      setting: body.setting,
      dateOfService,
      patient: body.patient || null,
      principal: null,
      response,
      decisions: {},
      units: {},
      added: [],
      saved: null,
    });
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    button.textContent = "Suggest codes";
  }
});

$("edit-note").addEventListener("click", () => {
  if (!discardUnsaved("Go back to the note")) return;
  const text = review.text;
  setReview(null);
  $("note-text").value = text;
  $("note-text").focus();
});

$("next-note").addEventListener("click", () => {
  setReview(null);
  $("note-text").value = "";
  $("note-text").focus();
});

function discardUnsaved(what) {
  const unsaved = review && !review.saved ? decisionsToSend().length : 0;
  const question = `${what} and discard ${count(unsaved, "decision")} not submitted?`;
  return !unsaved || window.confirm(question);
}

function setReview(value) {
  review = value;
  saveReview();
  renderReview();
}

function saveReview() {
  try {
    if (review) sessionStorage.setItem(REVIEW_ITEM, JSON.stringify(review));
    else sessionStorage.removeItem(REVIEW_ITEM);
  } catch (error) {
    // storage full (a very long note): the review goes on, only a reload would lose it
    console.warn("the review could not be kept in sessionStorage", error);
  }
}

// --------------------------------------------------------------- review
function renderReview() {
  const active = review !== null;
  $("note-form").hidden = active;
  $("note-view").hidden = !active;
  $("review-empty").hidden = active;
  $("code-search").hidden = !active || Boolean(review.saved);
  $("submit-bar").hidden = !active || Boolean(review.saved);
  items.clear();
  current = null;
  stopReplace();
  if (!active) {
    $("suggestions").replaceChildren();
    $("result").hidden = true;
    revenuePanel.clear();
    return;
  }
  $("setting").value = review.setting;
  $("date-of-service").value = review.dateOfService;
  $("patient-sex").value = (review.patient && review.patient.sex) || "";
  $("patient-age").value = review.patient && review.patient.age !== undefined ? review.patient.age : "";
  const { mentions, suggestions } = review.response;
  const possible = review.response.possible || [];
  const notCoded = review.response.not_coded || [];
  $("note-summary").textContent =
    `${review.setting === "inpatient" ? "Inpatient" : "Outpatient"} · date of service ` +
    `${review.dateOfService || "not given"} · ${count(mentions.length, "mention")} found`;
  note.render(review.text, mentions, suggestions);
  renderSuggestions(suggestions, possible, notCoded);
  renderAdded();
  updateProgress();
  renderResult();
}

function suggestionList(suggestions) {
  const list = element("ol", "", "suggestion-list");
  for (const suggestion of suggestions) {
    const item = suggestionItem(suggestion);
    items.set(keyOf(suggestion), item);
    list.append(item.li);
    updateItem(keyOf(suggestion));
  }
  return list;
}

// Codes below the suggester's floor, and codes a coding rule says are not reported here
// (each with its warning: integral to a diagnosis, a symptom or finding beside the
// assessment's diagnosis), are listed apart, collapsed: they are never read as
// suggestions, but a coder may still open and accept one.
function collapsedSection(id, title, codes) {
  const section = element("details", "", "possible");
  section.id = id;
  const summary = element("summary", title);
  summary.append(element("span", `${codes.length}`, "count"));
  section.append(summary, suggestionList(codes));
  return section;
}

function renderSuggestions(suggestions, possible = [], notCoded = []) {
  const groups = [];
  for (const [system, name] of Object.entries(SYSTEM_NAMES)) {
    const inSystem = suggestions.filter((s) => s.system === system);
    if (!inSystem.length) continue;
    const denied = inSystem.filter(isDenied);
    const list = suggestionList(inSystem.filter((s) => !isDenied(s)));
    const heading = element("h3", `${name} `);
    heading.append(element("span", `${inSystem.length}`, "count"));
    const group = element("section", "", "group");
    group.append(heading, list);
    if (denied.length) {
      // codes of findings the note denies: some coders code them; shown apart, struck through
      const title = "The note denies these (negated, family or hypothetical) ";
      const apart = element("h4", title, "denied-heading");
      apart.append(element("span", `${denied.length}`, "count"));
      const deniedList = suggestionList(denied);
      deniedList.classList.add("denied");
      group.append(apart, deniedList);
    }
    groups.push(group);
  }
  if (!groups.length) {
    const none = "No codes were suggested for this note; add the codes it supports.";
    groups.push(element("p", none, "hint"));
  }
  if (possible.length) {
    groups.push(collapsedSection("possible", "Possible codes (low confidence) ", possible));
  }
  if (notCoded.length) {
    groups.push(collapsedSection("not-coded", "Not coded here (see why) ", notCoded));
  }
  $("suggestions").replaceChildren(...groups);
  const [first] = items.values();
  if (first) first.li.tabIndex = 0;
}

function isDenied(suggestion) {
  return suggestion.warnings.some((w) => DENIED_KINDS.has(w.kind));
}

function suggestionItem(suggestion) {
  const k = keyOf(suggestion);
  const li = element("li", "", "suggestion");
  li.tabIndex = -1;
  li.dataset.key = k;
  li.dataset.code = suggestion.code;

  const head = element("div", "", "s-head");
  const code = button(suggestion.code, "code-link", () => openDetails(suggestion));
  code.setAttribute("aria-label", `Details of ${suggestion.code}`);
  const percent = Math.round(suggestion.score * 100);
  const confidence = element("span", "", "confidence");
  confidence.title = "How confident the model is in this code";
  const bar = element("span", "", "bar");
  const fill = element("span");
  fill.style.width = `${percent}%`;
  bar.append(fill);
  confidence.append(bar, percent ? `${percent}%` : "<1%");
  const status = element("span", "", "status");
  head.append(code, element("span", suggestion.title, "s-title"), confidence, status);
  li.append(head);

  const notes = element("ul", "", "warnings");
  for (const [flag, words] of Object.entries(CONTEXTS)) {
    if (suggestion.context[flag]) notes.append(warningItem(`Documented as ${words}`, "", "context"));
  }
  for (const warning of suggestion.warnings) {
    const known = WARNINGS[warning.kind] || { label: warning.kind, prefix: "" };
    const message = warning.message.startsWith(known.prefix)
      ? warning.message.slice(known.prefix.length)
      : warning.message;
    notes.append(warningItem(known.label, message, warning.kind));
  }
  if (notes.children.length) li.append(notes);

  const actions = element("div", "", "s-actions");
  actions.setAttribute("role", "group");
  actions.setAttribute("aria-label", `Decision on ${suggestion.code}`);
  const accept = button("Accept", "accept", () => toggle(k, "accept"));
  const reject = button("Reject", "reject", () => toggle(k, "reject"));
  const replace = button("Replace…", "replace", () => startReplace(k));
  accept.setAttribute("aria-label", `Accept ${suggestion.code}`);
  reject.setAttribute("aria-label", `Reject ${suggestion.code}`);
  replace.setAttribute("aria-label", `Replace ${suggestion.code} with another code`);
  actions.append(accept, reject, replace);
  const quotes = [...new Set(suggestion.evidence.map((e) => e.text))];
  const more = quotes.length > 1 ? ` and ${quotes.length - 1} more` : "";
  const evidence = element("span", quotes.length ? `“${quotes[0]}”${more}` : "", "s-evidence");
  const foot = element("div", "", "s-foot");
  foot.append(evidence);
  if (suggestion.units !== null && suggestion.units !== undefined) foot.append(unitsField(k, suggestion));
  foot.append(actions);
  li.append(foot);

  const reasonRow = element("label", "Reason for rejecting (optional) ", "reason");
  const reason = element("input");
  reason.type = "text";
  reason.maxLength = 2000;
  reason.addEventListener("input", () => {
    review.decisions[k].reason = reason.value;
    saveReview();
  });
  reasonRow.append(reason);
  const replacement = element("p", "", "replacement");
  li.append(reasonRow, replacement);
  const parts = { accept, reject, replace, reason, reasonRow, replacement, status };
  return { suggestion, li, parts };
}

/** The units a CPT/HCPCS code is reported with: what the note states (the words shown
 * beside the field), editable; a change asks for the MUE check again. */
function unitsField(k, suggestion) {
  const { units, units_evidence: stated, code } = suggestion;
  const label = element("label", "Units ", "units");
  const input = element("input");
  input.type = "number";
  input.min = "1";
  input.max = "100000";
  input.value = String(unitsOf(k, units));
  input.setAttribute("aria-label", `Units of ${code}`);
  input.title = stated ? `The note states “${stated.text}”` : "The note states no count: one unit";
  input.addEventListener("change", () => {
    const value = Number.parseInt(input.value, 10);
    if (!Number.isInteger(value) || value < 1 || value > 100000) {
      input.value = String(unitsOf(k, units));
      return;
    }
    if (!review.units) review.units = {};
    review.units[k] = value;
    saveReview();
    refreshRevenue();
  });
  label.append(input);
  return label;
}

function unitsOf(k, suggested) {
  return (review.units && review.units[k]) || suggested || 1;
}

function warningItem(label, message, kind) {
  const item = element("li", "", `warning w-${kind}`);
  item.append(element("strong", label));
  if (message) item.append(` ${message}`);
  return item;
}

/** Show one suggestion's decision: pressed buttons, status, reason box, replacement. */
function updateItem(k) {
  const { suggestion, li, parts } = items.get(k);
  const decision = review.decisions[k];
  const action = decision ? decision.action : null;
  const locked = Boolean(review.saved);
  li.classList.toggle("accepted", action === "accept");
  li.classList.toggle("rejected", action === "reject");
  li.classList.toggle("edited", action === "edit");
  parts.accept.setAttribute("aria-pressed", String(action === "accept"));
  parts.reject.setAttribute("aria-pressed", String(action === "reject"));
  for (const control of [parts.accept, parts.reject, parts.replace, parts.reason]) {
    control.disabled = locked;
  }
  parts.status.textContent = action ? ACTION_WORDS[action] : "";
  parts.reasonRow.hidden = action !== "reject";
  parts.reason.value = action === "reject" ? decision.reason : "";
  parts.replacement.hidden = action !== "edit";
  parts.replacement.replaceChildren();
  if (action === "edit") {
    const by = decision.replacement;
    parts.replacement.append("Replaced by ", element("strong", by.code), ` ${by.title}`);
    if (!by.billable) parts.replacement.append(" ", element("span", "not billable", "badge warn"));
  }
  const percent = Math.round(suggestion.score * 100);
  const decided = action ? `, ${ACTION_WORDS[action]}` : "";
  const name = `${suggestion.code} ${suggestion.title}, ${percent}% confidence${decided}`;
  li.setAttribute("aria-label", name);
}

function toggle(k, action) {
  const decision = review.decisions[k];
  setDecision(k, decision && decision.action === action ? null : { action, reason: "" });
}

function setDecision(k, decision) {
  if (review.saved) return;
  if (decision) review.decisions[k] = decision;
  else delete review.decisions[k];
  saveReview();
  updateItem(k);
  updateProgress();
}

function keyOf(suggestion) {
  return `${suggestion.system}|${suggestion.code}`;
}

// --------------------------------------------- the note and the suggestions
function showEvidence(k, scroll) {
  const item = k ? items.get(k) : null;
  const ranges = item ? item.suggestion.evidence.map((e) => [e.start, e.end]) : [];
  note.highlight(ranges, { scroll });
}

function setCurrent(k) {
  if (current && items.has(current)) {
    items.get(current).li.tabIndex = -1;
    items.get(current).li.classList.remove("current");
  }
  current = k;
  items.get(k).li.tabIndex = 0;
  items.get(k).li.classList.add("current");
  showEvidence(k, true);
}

function focusItem(k) {
  items.get(k).li.focus(); // focusin makes it current
}

function overlaps(segment, suggestion) {
  return suggestion.evidence.some((e) => segment.start < e.end && segment.end > e.start);
}

function pointAtNote(segment) {
  for (const { suggestion, li } of items.values()) {
    li.classList.toggle("linked", Boolean(segment) && overlaps(segment, suggestion));
  }
}

function chooseInNote(segment) {
  for (const [k, { suggestion }] of items) {
    if (overlaps(segment, suggestion)) {
      focusItem(k);
      return;
    }
  }
}

$("suggestions").addEventListener("focusin", (event) => {
  const li = event.target.closest(".suggestion");
  if (li && li.dataset.key !== current) setCurrent(li.dataset.key);
});
$("suggestions").addEventListener("mouseover", (event) => {
  const li = event.target.closest(".suggestion");
  if (li) showEvidence(li.dataset.key, false);
});
$("suggestions").addEventListener("mouseleave", () => showEvidence(current, false));

// ------------------------------------------------ details, replace and add
function openDetails(suggestion) {
  const k = keyOf(suggestion);
  const choice = review.saved
    ? null
    : { replaces: suggestion.code, onChoose: (hit) => replaceWith(k, hit) };
  details.open(suggestion.system, suggestion.code, choice);
}

function startReplace(k) {
  const { suggestion } = items.get(k);
  replacing = k;
  $("code-search-title").textContent = "Replace a code";
  $("replacing-text").textContent =
    `Replacing ${suggestion.code} ${suggestion.title}: choose the code to report instead.`;
  $("replacing").hidden = false;
  search.focus(suggestion.system);
}

function stopReplace() {
  replacing = null;
  $("code-search-title").textContent = "Add a missed code";
  $("replacing").hidden = true;
}

$("cancel-replace").addEventListener("click", () => {
  const k = replacing;
  stopReplace();
  focusItem(k);
});

function chooseCode(hit) {
  if (replacing) {
    const k = replacing;
    stopReplace();
    replaceWith(k, hit);
    focusItem(k);
  } else {
    addCode(hit);
  }
}

function replaceWith(k, hit) {
  const { suggestion } = items.get(k);
  const same = hit.code === suggestion.code && hit.system === suggestion.system;
  const decision = same ? { action: "accept" } : { action: "edit", replacement: hit };
  setDecision(k, { reason: "", ...decision });
}

function addCode(hit) {
  const k = keyOf(hit);
  if (items.has(k)) {
    setDecision(k, { action: "accept", reason: "" });
    showMessage(`${hit.code} was already suggested; it is now accepted.`);
  } else if (review.added.some((added) => keyOf(added) === k)) {
    showMessage(`${hit.code} is already in your added codes.`);
  } else {
    review.added.push(hit);
    saveReview();
    renderAdded();
    updateProgress();
  }
}

function renderAdded() {
  const rows = review.added.map((hit, index) => {
    const row = element("li", "", "added-code");
    const code = button(hit.code, "code-link", () => {
      const choice = review.saved ? null : {
        replaces: hit.code,
        onChoose: (chosen) => {
          review.added[index] = chosen;
          saveReview();
          renderAdded();
        },
      };
      details.open(hit.system, hit.code, choice);
    });
    code.setAttribute("aria-label", `Details of ${hit.code}`);
    row.append(element("span", "Added", "status"), code, element("span", hit.title, "s-title"));
    row.append(element("span", SYSTEM_NAMES[hit.system], "system"));
    if (!hit.billable) {
      row.append(element("span", "not billable: choose a more specific code", "badge warn"));
    }
    if (!review.saved) {
      const remove = button("Remove", "quiet", () => {
        review.added.splice(index, 1);
        saveReview();
        renderAdded();
        updateProgress();
      });
      remove.setAttribute("aria-label", `Remove ${hit.code}`);
      row.append(remove);
    }
    return row;
  });
  $("added").replaceChildren(...rows);
}

// --------------------------------------------------------------- revenue
/** The codes the claim would carry now (accepted, replacements and added, in page order)
 * and what they are; until the coder accepts one, the suggestions not rejected. */
function claimCodes() {
  const decided = [];
  const open = [];
  const listed = (code, system, units = 1) => ({ code, system, units });
  for (const [k, { suggestion }] of items) {
    const decision = review.decisions[k];
    const alternative = suggestion.warnings.some((w) => w.kind === "alternative");
    const { code, system } = suggestion;
    const units = unitsOf(k, suggestion.units);
    if (!decision && !alternative) open.push(listed(code, system, units));
    if (decision && decision.action === "accept") decided.push(listed(code, system, units));
    if (decision && decision.action === "edit") {
      decided.push(listed(decision.replacement.code, decision.replacement.system));
    }
  }
  decided.push(...review.added.map(({ code, system }) => listed(code, system)));
  const [scope, codes] = decided.length
    ? ["the accepted codes", decided]
    : ["the suggestions not rejected", open];
  return { scope, codes };
}

/** Ask for the DRG/HCC panel of the claim's codes (after every decision). */
function refreshRevenue() {
  const { scope, codes } = claimCodes();
  const body = { setting: review.setting, codes };
  if (review.dateOfService) body.date_of_service = review.dateOfService;
  if (review.patient) body.patient = review.patient;
  if (review.principal) body.principal = review.principal;
  const suggested = review.response.revenue;
  const listed = new Set(codes.map((c) => c.code));
  const queries = suggested ? suggested.query_opportunities.filter((q) => listed.has(q.code)) : [];
  revenuePanel.refresh(body, scope, queries);
}

// --------------------------------------------------------------- submit
function decisionsToSend() {
  const decisions = [];
  for (const [k, { suggestion }] of items) {
    const decision = review.decisions[k];
    if (!decision) continue;
    const { code, system } = suggestion;
    if (decision.action === "accept") decisions.push({ code, system, action: "accept" });
    if (decision.action === "reject") {
      decisions.push({ code, system, action: "reject", reason: decision.reason.trim() || null });
    }
    if (decision.action === "edit") {
      const { code: to, system: toSystem } = decision.replacement;
      decisions.push({ code: to, system: toSystem, action: "edit", replaced_code: code });
    }
  }
  for (const { code, system } of review.added) decisions.push({ code, system, action: "add" });
  return decisions;
}

function updateProgress() {
  const decided = Object.keys(review.decisions).length;
  const open = items.size - decided;
  const sending = decisionsToSend().length;
  const suggested = count(items.size, "suggestion");
  $("decision-count").textContent =
    `${count(sending, "decision")} to submit · ${open} of ${suggested} undecided`;
  refreshRevenue();
  $("submit").disabled = sending === 0;
}

$("submit").addEventListener("click", async () => {
  const submit = $("submit");
  submit.disabled = true;
  submit.textContent = "Submitting…";
  try {
    const stored = await call("POST", "v1/feedback", {
      request_id: review.response.request_id, // recorded under the coder the key names
      decisions: decisionsToSend(),
    });
    review.saved = { decisions: stored.decisions, at: new Date().toLocaleString() };
    saveReview();
    clearMessage();
    submit.textContent = "Submit decisions";
    renderReview();
    $("result").focus();
  } catch (error) {
    submit.textContent = "Retry submit";
    showError(error);
  } finally {
    submit.disabled = false;
  }
});

function finalCodes() {
  const codes = [];
  for (const [k, { suggestion }] of items) {
    const decision = review.decisions[k];
    if (decision && decision.action === "accept") codes.push(suggestion);
    if (decision && decision.action === "edit") codes.push(decision.replacement);
  }
  return [...codes, ...review.added];
}

function renderResult() {
  $("result").hidden = !review.saved;
  if (!review.saved) return;
  const { decisions, at } = review.saved;
  $("saved-summary").textContent =
    `${count(decisions.length, "decision")} saved at ${at} for coder ${coderId} ` +
    `(request ${review.response.request_id}).`;
  $("saved-list").replaceChildren(...decisions.map((d) => {
    const what = d.action === "edit" ? `${d.replaced_code} with ${d.code}` : d.code;
    const reason = d.reason ? `: ${d.reason}` : "";
    return element("li", `${ACTION_WORDS[d.action]} ${what}${reason}`);
  }));
  const codes = finalCodes();
  $("final-codes").value = codes.length
    ? codes.map((c) => `${c.code}\t${SYSTEM_NAMES[c.system]}\t${c.title}`).join("\n")
    : "No codes: every decision was a rejection.";
  const bundle = finalCodesBundle(review.response.request_id, codes, review.dateOfService);
  $("final-fhir").value = JSON.stringify(bundle, null, 2);
}

async function copy(textarea, copyButton) {
  textarea.select();
  const label = copyButton.textContent;
  try {
    await navigator.clipboard.writeText(textarea.value);
    copyButton.textContent = "Copied";
  } catch {
    copyButton.textContent = "Selected: press Ctrl+C"; // the clipboard API needs https
  }
  setTimeout(() => { copyButton.textContent = label; }, 2000);
}

$("copy-codes").addEventListener("click", () => copy($("final-codes"), $("copy-codes")));
$("copy-fhir").addEventListener("click", () => copy($("final-fhir"), $("copy-fhir")));
$("close-dialog").addEventListener("click", () => $("code-dialog").close());

// ------------------------------------------------------------ shortcuts
function move(step) {
  const keys = [...items.keys()];
  if (!keys.length) return;
  const at = keys.indexOf(current);
  const next = at === -1 ? 0 : Math.min(Math.max(at + step, 0), keys.length - 1);
  focusItem(keys[next]);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (!review || $("workspace").hidden || $("code-dialog").open) return;
  if (event.target.closest("input, textarea, select")) return;
  const onItem = event.target.classList.contains("suggestion");
  const locked = Boolean(review.saved);
  const k = event.key;
  if (k === "/" && !locked) search.focus();
  else if (k === "j" || (k === "ArrowDown" && onItem)) move(1);
  else if (k === "k" || (k === "ArrowUp" && onItem)) move(-1);
  else if (!current) return;
  else if (k === "a" && !locked) {
    setDecision(current, { action: "accept", reason: "" });
    move(1);
  } else if (k === "r" && !locked) {
    const reason = review.decisions[current] ? review.decisions[current].reason || "" : "";
    setDecision(current, { action: "reject", reason });
    move(1);
  } else if (k === "u") setDecision(current, null);
  else if (k === "c" && !locked) startReplace(current);
  else if (k === "d" || (k === "Enter" && onItem)) openDetails(items.get(current).suggestion);
  else return;
  event.preventDefault();
});

// --------------------------------------------------------------- helpers
function element(tag, content = "", className = "") {
  const made = document.createElement(tag);
  if (content) made.textContent = content;
  if (className) made.className = className;
  return made;
}

/** "1 decision", "2 decisions". */
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function button(label, className, onClick) {
  const made = element("button", label, className);
  made.type = "button";
  made.addEventListener("click", onClick);
  return made;
}

if (key && coderId) showWorkspace();
else showSignIn();
renderReview();
