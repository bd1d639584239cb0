"""The coder's review page (api/static): served at / without a key, made only of files
checked in, and driven end to end in headless Chromium against a real uvicorn server:
sign in, paste a note (too long: a 413) and open one from a file, see its mentions
highlighted, accept, reject, replace and add codes, keep every decision through a failed
submit and a reload, submit, and find exactly those decisions in the store.

The browser test needs Debian's ``chromium`` and the ``playwright`` Python package
(never ``playwright install``: it downloads browsers); it skips when either is missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from api.fhir import SYSTEM_URLS
from api.routes.review import STATIC_DIR
from api.storage.models import Role
from suggest.suggester import Suggester
from tests.api.conftest import Api
from tests.api.test_api_server import _create_key, _server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
UVICORN = ["-m", "uvicorn", "--factory", "api.app:create_app"]
MAX_TEXT_CHARS = 4000
CODER_ID = "coder-7"
REASON = "not documented as a current problem"
# the emoji is one code point but two UTF-16 units: no highlight after it may shift
NOTE = """CHIEF COMPLAINT: Shortness of breath 😷.

HISTORY OF PRESENT ILLNESS: 67-year-old man with CKD stage 3a and essential hypertension \
presents with cough and fever. No chest pain. History of appendectomy. Family history of \
colon cancer. Chest x-ray shows right lower lobe pneumonia. Rule out sepsis.

ASSESSMENT AND PLAN: Community acquired pneumonia, started on ceftriaxone injection 1 g IV. \
Type 2 diabetes with diabetic chronic kidney disease, stable.
"""
# visible controls with no accessible name (no label, aria-label(ledby) or text)
UNNAMED_CONTROLS = """
[...document.querySelectorAll("button, input, select, textarea, [role], [tabindex]")]
  .filter((el) => el.checkVisibility() && !el.matches("[role=group], [role=alert], section"))
  .filter((el) => !(el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
    || (el.labels && el.labels.length) || (el.matches("button") && el.textContent.trim())))
  .map((el) => el.outerHTML.slice(0, 120))
"""
# what the page may name that is not this server: code-system identifiers in FHIR JSON
FHIR_IDENTIFIERS = re.compile(
    "|".join(re.escape(url) for url in SYSTEM_URLS.values())
    + r"|http://terminology\.hl7\.org/CodeSystem/[a-z-]+"
)


# --------------------------------------------------------------- the files
def test_the_page_is_served_without_a_key(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "styles.css"):
        response = api.client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    # the API around it is unchanged: keys still needed, unknown paths JSON 404s
    assert api.client.get("/v1/codes?q=copd").status_code == 401
    assert api.client.get("/v1/nothing").json() == {"detail": "Not Found"}
    assert api.client.get("/v1/suggest").status_code == 405
    assert api.client.get("/health").status_code == 200


def test_every_file_the_page_uses_is_checked_in() -> None:
    html = (STATIC_DIR / "index.html").read_text()
    used = set(re.findall(r'(?:src|href)="static/([\w.]+)"', html))
    for script in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r'from "\./([\w.]+)"', script.read_text()))
    assert used == {path.name for path in STATIC_DIR.iterdir()} - {"index.html"}


def test_the_page_names_no_other_server() -> None:
    for path in STATIC_DIR.iterdir():
        text = FHIR_IDENTIFIERS.sub("", path.read_text())
        assert not re.search(r"https?:|//[\w-]+\.\w", text), path.name


def test_the_page_codes_fhir_in_the_servers_systems() -> None:
    script = (STATIC_DIR / "fhir.js").read_text()
    for system, url in SYSTEM_URLS.items():
        assert f'{system}: "{url}"' in script


# ------------------------------------------------------------- the browser
@pytest.fixture
def playwright_api() -> ModuleType:
    """Playwright's sync API, and Chromium present; skip with the install line if not."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    return pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing: pip install playwright"
    )


@pytest.fixture
def browser(playwright_api: ModuleType) -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def review_env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """A deployment with the tests' data dir, a database of its own and a low note limit."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CODESUGGEST_")}
    env["CODESUGGEST_DATA_DIR"] = str(data_dir)
    env["CODESUGGEST_DATABASE_URL"] = f"sqlite:///{tmp_path / 'review.db'}"
    env["CODESUGGEST_MAX_TEXT_CHARS"] = str(MAX_TEXT_CHARS)
    return env


def _sign_in(page: Page, key: str) -> None:
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def _signed_in(browser: Browser, base: str, key: str) -> tuple[Page, list[str]]:
    """The review page signed in with ``key``, and the script errors it will raise."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/")
    _sign_in(page, key)
    return page, errors


def _export(base: str, trainer: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base}/v1/feedback", headers={"X-API-Key": trainer}, timeout=30)
    assert response.status_code == 200, response.text
    decisions: list[dict[str, Any]] = response.json()["decisions"]
    return decisions


def _this_server_only(browser: Browser, base: str) -> tuple[Page, list[str], list[str]]:
    """A page that may reach the server at ``base`` and nothing else: the addresses it
    asked of other hosts (refused) and its script errors are recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    elsewhere: list[str] = []
    errors: list[str] = []

    def route(request_route: Route) -> None:
        if request_route.request.url.startswith(f"{base}/"):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, elsewhere, errors


def test_a_coder_reviews_a_note_in_the_browser(
    playwright_api: ModuleType, browser: Browser, review_env: dict[str, str], tmp_path: Path
) -> None:
    expect = playwright_api.expect
    coder = _create_key(review_env, Role.CODER.value, CODER_ID)  # the key names its coder
    trainer = _create_key(review_env, Role.TRAINER.value)
    with _server(UVICORN, review_env, tmp_path / "server.log") as (base, _process):
        page, elsewhere, errors = _this_server_only(browser, base)
        page.goto(f"{base}/")

        # a refused key is said in words; a good one is kept in the tab only
        _sign_in(page, "csk_not-a-key")
        expect(page.get_by_role("alert")).to_contain_text("API key was refused")
        _sign_in(page, coder)
        expect(page.get_by_label("Note text")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('codesuggest.key')") == coder
        assert coder not in page.evaluate("JSON.stringify(localStorage)")

        # a note over the limit: the 413 in words
        page.get_by_label("Note text").fill("cough " * (MAX_TEXT_CHARS // 5))
        page.get_by_role("button", name="Suggest codes").click()
        expect(page.get_by_role("alert")).to_contain_text("The note is too long")

        page.get_by_label("Setting").select_option("outpatient")
        page.get_by_label("Date of service").fill("2026-03-02")
        note_file = tmp_path / "note.txt"
        note_file.write_text(NOTE, encoding="utf-8")
        page.get_by_label("Open a .txt file").set_input_files(str(note_file))
        expect(page.get_by_label("Note text")).to_have_value(NOTE)
        page.get_by_role("button", name="Suggest codes").click()
        expect(page.locator(".suggestion").first).to_be_visible()
        expect(page.get_by_role("alert")).to_be_hidden()
        assert page.evaluate(UNNAMED_CONTROLS) == []

        # every mention highlighted: kinds as colours, contexts styled
        note = page.locator("#note-display")
        # (nested mentions cut the note into segments: "chest " and "pain" of "chest pain")
        expect(note.locator(".m-diagnosis.is-negated", has_text="chest")).to_have_count(1)
        expect(note.locator(".m-procedure.is-historical", has_text="appendectomy")).to_have_count(1)
        expect(note.locator(".m-diagnosis.is-family", has_text="colon")).to_have_count(1)
        expect(note.locator(".m-supply", has_text="ceftriaxone").first).to_be_visible()
        note.locator(".is-negated", has_text="chest").hover()
        expect(page.locator("#mention-info")).to_contain_text("“chest pain”: diagnosis, negated")
        # the same from the keyboard: arrows step through the mentions in the note
        note.focus()
        page.keyboard.press("ArrowRight")
        first = note.locator(".m").first
        expect(first).to_be_focused()
        expect(page.locator("#mention-info")).to_contain_text(f"“{first.inner_text().strip()}")
        page.keyboard.press("ArrowRight")
        expect(note.locator(".m").nth(1)).to_be_focused()
        page.keyboard.press("ArrowLeft")
        expect(first).to_be_focused()

        # hovering a suggestion marks its evidence; pointing at evidence marks the suggestion
        e1122 = page.locator('.suggestion[data-code="E11.22"]')
        e1122.locator(".s-title").hover()
        evidence = note.locator(".evidence")
        expect(evidence.first).to_be_visible()
        # the combination is read in the places of both its conditions (the CKD's too:
        # rules/plausibility.json, combinations, as_second), in the note's order
        assert "".join(evidence.all_inner_texts()) == (
            "CKD stage 3aType 2 diabetes with diabetic chronic kidney disease"
        )
        evidence.first.element_handle().hover()
        expect(e1122).to_have_class(re.compile(r"\blinked\b"))

        # details: instructions, parents and siblings; replace with a sibling from there
        e1122.get_by_role("button", name="Details of E11.22").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Use additional code")
        expect(dialog.get_by_role("button", name=re.compile(r"^Show E11\.2:"))).to_be_visible()
        dialog.get_by_role("button", name=re.compile(r"^Show E11\.29:")).click()
        dialog.get_by_role("button", name="Use E11.29 instead of E11.22").click()
        expect(dialog).to_be_hidden()
        expect(e1122).to_contain_text("Replaced by E11.29")

        # the keyboard: next, accept, reject (each moves on); then a reason typed in
        page.keyboard.press("j")
        page.keyboard.press("a")
        page.keyboard.press("r")
        accepted = page.locator(".suggestion.accepted")
        rejected = page.locator(".suggestion.rejected")
        expect(accepted).to_have_count(1)
        expect(rejected).to_have_count(1)
        rejected.get_by_label("Reason for rejecting (optional)").fill(REASON)
        accepted_system, accepted_code = (accepted.get_attribute("data-key") or "").split("|")
        rejected_code = rejected.get_attribute("data-code")

        # a missed code, through the type-ahead search
        page.get_by_role("combobox", name="Search codes by words or code").fill("copd")
        page.get_by_role("option", name=re.compile(r"^J44\.9 ")).click()
        expect(page.locator("#added")).to_contain_text("J44.9")
        expect(page.get_by_text("4 decisions to submit")).to_be_visible()
        e1122.evaluate("item => item.scrollIntoView({block: 'start'})")
        e1122.locator(".s-title").hover()
        page.screenshot(path=str(tmp_path / "review-page.png"))

        # submit while the server is unreachable, then with the key refused: nothing lost
        page.route(f"{base}/v1/feedback", lambda route: route.abort())
        page.get_by_role("button", name="Submit decisions").click()
        expect(page.get_by_role("alert")).to_contain_text("server cannot be reached")
        page.unroute(f"{base}/v1/feedback")
        refused = {"detail": "the API key is not valid or has been revoked"}
        page.route(f"{base}/v1/feedback", lambda route: route.fulfill(status=401, json=refused))
        page.get_by_role("button", name="Retry submit").click()
        expect(page.get_by_role("alert")).to_contain_text("API key was refused")
        page.unroute(f"{base}/v1/feedback")
        page.reload()
        _sign_in(page, coder)
        expect(accepted).to_have_count(1)
        expect(rejected.get_by_label("Reason for rejecting (optional)")).to_have_value(REASON)
        page.get_by_role("button", name="Submit decisions").click()

        result = page.get_by_role("region", name="Saved")
        expect(result).to_contain_text("4 decisions saved")
        final_codes = page.get_by_label("Final code list").input_value().splitlines()
        assert [line.split("\t")[0] for line in final_codes] == ["E11.29", accepted_code, "J44.9"]
        bundle = json.loads(page.locator("#final-fhir").input_value())
        codings = [entry["resource"]["code"]["coding"][0] for entry in bundle["entry"][1:]]
        assert [(coding["system"], coding["code"]) for coding in codings] == [
            (SYSTEM_URLS["icd10cm"], "E11.29"),
            (SYSTEM_URLS[accepted_system], accepted_code),
            (SYSTEM_URLS["icd10cm"], "J44.9"),
        ]
        page.screenshot(path=str(tmp_path / "review-page-saved.png"), full_page=True)
        request_id = page.evaluate(
            "JSON.parse(sessionStorage.getItem('codesuggest.review')).response.request_id"
        )
        assert elsewhere == [] and errors == []

        stored = _export(base, trainer)
    assert {d["request_id"] for d in stored} == {request_id}
    assert {d["coder_id"] for d in stored} == {CODER_ID}
    assert sorted((d["action"], d["code"], d["replaced_code"], d["reason"]) for d in stored) == [
        ("accept", accepted_code, None, None),
        ("add", "J44.9", None, None),
        ("edit", "E11.29", "E11.22", None),
        ("reject", rejected_code, None, REASON),
    ]


def test_the_api_docs_render_offline(
    playwright_api: ModuleType, browser: Browser, review_env: dict[str, str], tmp_path: Path
) -> None:
    """/docs (Swagger UI) and /redoc render every operation with every other host cut
    off, without a key."""
    expect = playwright_api.expect
    with _server(UVICORN, review_env, tmp_path / "server.log") as (base, _process):
        page, elsewhere, errors = _this_server_only(browser, base)
        page.goto(f"{base}/docs")
        suggest = page.locator(".opblock-summary-path", has_text=re.compile(r"^/v1/suggest$"))
        expect(suggest).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/cds-services")).not_to_have_count(0)
        # an operation opens on its request body example
        suggest.click()
        expect(page.locator(".opblock-body")).to_contain_text("type 2 diabetes")
        page.goto(f"{base}/redoc")
        expect(page.get_by_role("heading", name=re.compile("codesuggest"))).to_be_visible()
        expect(page.get_by_text("/v1/suggest").first).to_be_attached()
        assert elsewhere == [] and errors == []


def test_the_drg_panel_follows_the_coders_decisions(
    playwright_api: ModuleType, browser: Browser, review_env: dict[str, str], tmp_path: Path
) -> None:
    expect = playwright_api.expect
    coder = _create_key(review_env, Role.CODER.value)
    with _server(UVICORN, review_env, tmp_path / "server.log") as (base, _process):
        page, errors = _signed_in(browser, base, coder)
        page.get_by_label("Setting").select_option("inpatient")
        page.get_by_label("Date of service").fill("2026-02-02")
        page.get_by_label("Patient sex").select_option("male")
        page.get_by_label("Age").fill("70")
        page.get_by_label("Note text").fill("Diagnosis: pneumonia. Acute kidney failure.")
        page.get_by_role("button", name="Suggest codes").click()
        panel = page.locator("#revenue")
        # before any decision: the suggestions, grouped with the first code as principal
        expect(panel).to_contain_text("DRG and HCCs of the suggestions not rejected")
        expect(panel).to_contain_text("MS-DRG v43.0")
        # the coder accepts the pneumonia only: it groups without CC/MCC
        page.get_by_role("button", name="Accept J18.9").click()
        expect(panel).to_contain_text("DRG and HCCs of the accepted codes")
        expect(panel).to_contain_text("DRG 195 Simple Pneumonia and Pleurisy without CC/MCC")
        # accepting the kidney failure, ranked first, makes it the principal by default
        page.get_by_role("button", name="Accept N17.9").click()
        expect(panel.locator(".drg")).to_contain_text("DRG 682 Renal Failure with MCC")
        # the coder makes the pneumonia the principal: the kidney failure is a CC
        panel.get_by_label("Principal diagnosis").select_option("J18.9")
        expect(panel.locator(".drg")).to_contain_text(
            "DRG 194 Simple Pneumonia and Pleurisy with CC"
        )
        expect(panel.locator(".secondaries")).to_contain_text("N17.9: CC")
        assert page.evaluate(UNNAMED_CONTROLS) == []
        assert errors == []


def test_units_from_the_note_are_editable_and_feed_the_mue_check(
    playwright_api: ModuleType,
    browser: Browser,
    review_env: dict[str, str],
    ncci_suggester: Suggester,  # its index (MUE tables loaded) and term table, built
    ncci_data_dir: Path,
    tmp_path: Path,
) -> None:
    expect = playwright_api.expect
    env = {**review_env, "CODESUGGEST_DATA_DIR": str(ncci_data_dir)}
    coder = _create_key(env, Role.CODER.value)
    with _server(UVICORN, env, tmp_path / "server.log") as (base, _process):
        page, errors = _signed_in(browser, base, coder)
        page.get_by_label("Note text").fill("Procedure: venipuncture x3 for blood cultures.")
        page.get_by_role("button", name="Suggest codes").click()
        units = page.get_by_label("Units of 36415")
        expect(units).to_have_value("3")  # read from "x3"
        panel = page.locator("#revenue")
        expect(panel.locator(".edits")).to_contain_text(
            "3 units of 36415 exceed the practitioner MUE of 2"
        )
        # the coder corrects the units: the panel is asked again and the edit is gone
        units.fill("2")
        units.press("Enter")
        expect(panel.locator(".edits")).to_contain_text("2 units of 36415 exceed the outpatient")
        expect(panel.locator(".edits")).not_to_contain_text("practitioner MUE")
        page.get_by_role("button", name="Accept 36415").click()
        expect(panel).to_contain_text("DRG and HCCs of the accepted codes")
        expect(panel.locator(".edits")).to_contain_text("2 units of 36415")
        assert page.evaluate(UNNAMED_CONTROLS) == []
        assert errors == []
