"""The web app as a person sees it, at 1280x900 and on a 390x844 phone, in headless Chromium:
the question shown at once, the answer's start in view, sources that open (into the report
view, quote highlighted), a suggested follow-up clicked, a new conversation, tabs and tables
that fit a phone, AA contrast measured from computed colours, focus rings, labels, no emoji;
the evaluator's tab.

Screenshots of what each step looks like go to /tmp/ui-shots/ (not committed)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import ui
from assistant.staff import checker
from tests import browser_checks as checks
from tests.conftest import BROWSER_TEST_MARKS, free_port, load_testset_cases, watch_page

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path("/tmp/ui-shots")
TIMEOUT_MS = 30_000
READY = "answers come from the Annual Report 2016-17"
HOMICIDES = "How many homicides were there?"
SENTENCE_SOURCE = "In contrast to the increase in violence with injury"
SIZES = [pytest.param((1280, 900), id="desktop"), pytest.param((390, 844), id="phone")]
TABS = ["Ask the report", "Read the report", "Figures at a glance"]

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def open_page(browser, server) -> Iterator:
    """Opens a fresh page of an app at a window size; checks it stayed on this machine and
    ran no script of ours in a dialog."""
    opened: list[SimpleNamespace] = []

    def opener(
        size: tuple[int, int], url: str | None = None, ready: bool = True, scheme: str = "light"
    ):
        width, height = size
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        seen = SimpleNamespace(context=context, dialogs=[], outside=[])
        watch_page(tab, seen)
        opened.append(seen)
        tab.goto(url or server.url)
        if ready:
            tab.locator("#status").get_by_text(READY).wait_for()
        tab.evaluate(checks.HELPERS)
        return tab

    yield opener
    for seen in opened:
        seen.context.close()
        assert seen.outside == [], "the page made requests off this machine"
        assert seen.dialogs == [], "something ran script in the page"


def shot(tab, name: str, size: tuple[int, int], full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}-{size[0]}x{size[1]}.png"), full_page=full_page)


def answers(tab):
    return tab.locator("#chat [data-testid='bot']")


def ask(tab, question: str) -> None:
    """Type a question, press Ask, wait for the answer (not the "looking it up")."""
    before = answers(tab).count()
    tab.locator("#question textarea").fill(question)
    tab.locator("#ask").click()
    tab.wait_for_function(
        """(before) => document.querySelectorAll("#chat [data-testid='bot']").length > before
            && !document.querySelector("#chat .pending")""",
        arg=before,
    )


# Records, as the page changes, whether "Looking it up…" showed with the question above it.
WATCH_PENDING = """
(question) => {
  window.__pending = { seen: false, withQuestion: false, inView: false };
  const look = () => {
    const pending = document.querySelector("#chat .pending");
    if (!pending) return;
    const asked = [...document.querySelectorAll("#chat [data-testid='user']")].pop();
    const r = pending.getBoundingClientRect();
    window.__pending.seen = true;
    window.__pending.withQuestion ||= !!asked && asked.innerText.trim() === question;
    window.__pending.inView ||= r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
  };
  // on every change of the page, and on every scroll (on a slow machine the view may move
  // to the pending line after the change that drew it)
  const what = { subtree: true, childList: true, characterData: true };
  new MutationObserver(look).observe(document.body, what);
  document.addEventListener("scroll", look, { capture: true, passive: true });
}
"""


# A long answer (with a contradiction): on a phone it is taller than the chat box.
LONG = "How many minutes per shift does the Mobile First programme save officers?"
WHERE = """() => {
  const box = document.querySelector("#chat .bubble-wrap");
  const answer = [...document.querySelectorAll("#chat [data-testid='bot']")].pop();
  const b = box.getBoundingClientRect(), a = answer.getBoundingClientRect();
  return { top: a.top, bottom: a.bottom, boxTop: b.top, boxBottom: b.bottom,
           atBottom: box.scrollTop >= box.scrollHeight - box.clientHeight - 2 };
}"""


@pytest.mark.parametrize("size", SIZES)
def test_the_question_shows_at_once_and_the_view_moves_to_the_answer_s_start(open_page, size):
    tab = open_page(size)
    tab.locator("#chat").get_by_text("Is domestic abuse going up?").wait_for()  # the examples
    shot(tab, "1-start", size)
    ask(tab, HOMICIDES)
    tab.evaluate(WATCH_PENDING, LONG)
    ask(tab, LONG)
    pending = tab.evaluate("window.__pending")
    assert pending == {"seen": True, "withQuestion": True, "inView": True}
    tab.wait_for_timeout(300)  # the scroll runs after the answer is drawn
    where = tab.evaluate(WHERE)
    assert 0 <= where["top"] <= size[1] - 100, "its start is on screen"
    assert where["top"] >= where["boxTop"] - 1, "inside the chat box, not scrolled past"
    if size[0] < 500:  # the phone: the answer is taller than the box
        assert where["bottom"] > where["boxBottom"]
    if where["bottom"] > where["boxBottom"]:
        assert where["top"] <= where["boxTop"] + 60, "its start is at the top of the chat box"
        assert not where["atBottom"], "the chat did not scroll to its bottom (the last source)"
    else:
        assert where["bottom"] <= where["boxBottom"], "the whole answer shows"
    shot(tab, "chat-answer", size)


@pytest.mark.parametrize("size", SIZES)
def test_the_first_line_answers_the_question(open_page, size):
    tab = open_page(size)
    ask(tab, "Is crime going up?")  # yes or no, the direction and its size first
    first = answers(tab).last.inner_text().strip().split("[1]")[0]
    assert first.startswith("Yes.") and "went up" in first and "8.7%" in first
    ask(tab, "How many knives did the amnesty bins take off the streets?")
    first = answers(tab).last.inner_text().strip()
    assert first.startswith("In short: 15,000 knives ["), first[:120]  # then the evidence
    shot(tab, "first-line", size)


@pytest.mark.parametrize("size", SIZES)
def test_sources_are_one_line_each_and_open_to_the_row_or_the_quote(open_page, size):
    tab = open_page(size)
    ask(tab, HOMICIDES)
    answer = answers(tab).last
    sources = answer.locator("details.source")
    summaries = [s.strip() for s in sources.locator("summary").all_inner_texts()]
    assert summaries[0] == "[1] Performance data · p. 23 · table row: Number of homicides"
    assert summaries[1].startswith(
        f"[2] Priority 4: Reverse the trend in serious violence · p. 14-15 · “{SENTENCE_SOURCE}"
    )
    assert [s.get_attribute("open") for s in sources.all()] == [None, None]  # collapsed
    assert not answer.locator("table.row-table").is_visible()
    for summary in sources.locator("summary").all():
        summary.click()
    row = answer.locator("table.row-table")
    assert row.locator("caption").inner_text() == "Number of homicides"
    assert row.locator("tr").all_inner_texts() == [
        "12 months to Mar 2016\t34",
        "12 months to Mar 2017\t15",
        "Number Difference\t-19",
        "% Difference\t-55.9",
    ]
    assert "| Number of homicides |" not in answer.inner_text()  # the row is drawn once
    assert answer.locator("blockquote").inner_text().startswith(SENTENCE_SOURCE)
    fit = tab.evaluate(checks.WIDER_THAN_VIEWPORT, "#chat [data-testid='bot']")
    assert fit["out"] == [] and fit["scrollWidth"] <= fit["width"]
    assert tab.evaluate(checks.BROKEN_WORDS, "#chat") == []
    answer.scroll_into_view_if_needed()
    shot(tab, "2-sources-open", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_source_opens_the_report_at_its_quote_highlighted(open_page, size):
    tab = open_page(size)
    ask(tab, HOMICIDES)
    answer = answers(tab).last
    for number, expected in ((2, SENTENCE_SOURCE), (1, "Number of homicides")):
        source = answer.locator("details.source").nth(number - 1)
        source.locator("summary").click()
        source.get_by_role("link", name="Open in the report").click()
        reader_tab = tab.locator("#reader-tab-button")
        tab.wait_for_function(  # highlighted and focused (the earlier highlight is gone)
            """(text) => {
                const marked = document.querySelector('#reader .quote-highlight');
                const focused = document.activeElement === marked;
                return marked && marked.innerText.includes(text) && focused;
            }""",
            arg=expected,
        )
        assert reader_tab.get_attribute("aria-selected") == "true"
        marked = tab.locator("#reader .quote-highlight").first
        tab.wait_for_timeout(300)
        box = marked.bounding_box()
        assert box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size[1], "scrolled into view"
        shot(tab, f"3-report-quote-{number}", size)
        tab.locator("#reader").get_by_role("link", name="Back to the conversation").click()
        tab.wait_for_function(
            "() => document.querySelector('#chat-tab-button').getAttribute('aria-selected')"
            " === 'true'"
        )
    highlighted = tab.locator("#reader .quote-highlight")
    assert highlighted.count() == 1  # opening another source moves the highlight


@pytest.mark.parametrize("size", SIZES)
def test_an_example_then_a_new_conversation(open_page, size):
    tab = open_page(size)
    tab.locator("#chat").get_by_text("How many homicides were there in 2016-17?").click()
    tab.wait_for_function(
        "() => document.querySelector(\"#chat [data-testid='bot'] details.source\")"
        " && !document.querySelector('#chat .pending')"
    )
    new = tab.get_by_role("button", name="New conversation")
    assert new.is_visible()
    new.click()
    tab.wait_for_function("() => !document.querySelector(\"#chat [data-testid='bot']\")")
    tab.locator("#chat").get_by_text("Is domestic abuse going up?").wait_for()  # examples again
    ask(tab, "How much was spent on police officer pay?")
    assert tab.locator("#chat [data-testid='user']").count() == 1  # the earlier one is gone
    shot(tab, "4-new-conversation", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_suggested_follow_up_is_asked_when_clicked(open_page, size):
    """Two or three follow-ups under an answer, links named by their words, fitting the screen
    with AA contrast; one clicked (on the phone: reached by keyboard, Enter) is asked as the
    next question of the same conversation and answered."""
    tab = open_page(size)
    ask(tab, HOMICIDES)
    answer = answers(tab).last
    links = answer.locator("a.suggestion")
    links.first.wait_for()
    names = [n.strip() for n in links.all_inner_texts()]
    assert 2 <= len(names) <= 3 and HOMICIDES not in names
    assert answer.locator(".suggestions-title").inner_text() == "You could also ask"
    for name in names:
        assert answer.get_by_role("link", name=name, exact=True).is_visible()
    fit = tab.evaluate(checks.WIDER_THAN_VIEWPORT, "#chat [data-testid='bot']")
    assert fit["out"] == [] and fit["scrollWidth"] <= fit["width"]
    assert tab.evaluate(checks.BROKEN_WORDS, "#chat") == []
    assert below(tab.evaluate(checks.TEXT_CONTRAST, "#chat .suggestions")) == []
    assert below(tab.evaluate(checks.CONTROL_CONTRAST)) == []
    links.first.scroll_into_view_if_needed()
    shot(tab, "9-suggestions", size)
    before = answers(tab).count()
    if size[0] < 500:  # the phone: keyboard, Tab from the last source to the first follow-up
        answer.locator("details.source summary").last.focus()
        tab.keyboard.press("Tab")
        tab.wait_for_timeout(250)
        ring = tab.evaluate(checks.FOCUS_RING)
        assert ring["label"] == names[0][:30]
        assert ring["width"] >= 2 and ring["ratio"] >= 3, ring
        tab.keyboard.press("Enter")
    else:
        links.first.click()
    tab.wait_for_function(
        """(before) => document.querySelectorAll("#chat [data-testid='bot']").length > before
            && !document.querySelector("#chat .pending")""",
        arg=before,
    )
    asked = tab.locator("#chat [data-testid='user']")
    assert asked.count() == 2  # the same conversation, one question more
    assert asked.last.inner_text().strip() == names[0]
    assert "violence with injury offences went up: 12,577" in answers(tab).last.inner_text()
    assert tab.locator("#question textarea").input_value() == ""
    answers(tab).last.locator("a.suggestion").first.wait_for()  # its own follow-ups
    tab.wait_for_timeout(300)
    shot(tab, "10-suggestion-answered", size)


@pytest.mark.parametrize("size", SIZES)
def test_tabs_stay_reachable_and_tables_fit_without_letters_per_line(open_page, size):
    tab = open_page(size)
    tabs = tab.get_by_role("tab")
    tabs.nth(len(TABS) - 1).wait_for()  # drawn after the page's first paint on a busy machine
    assert tabs.all_inner_texts() == TABS
    for button in tabs.all():
        box = button.bounding_box()
        assert button.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    assert not tab.locator("button[aria-label='More tabs']").is_visible()
    for name, root in (("Read the report", "#reader"), ("Figures at a glance", "#figures-tab")):
        tab.get_by_role("tab", name=name).click()
        tab.locator(f"{root} table").first.wait_for()
        fit = tab.evaluate(checks.WIDER_THAN_VIEWPORT, root)
        assert fit["out"] == [] and fit["scrollWidth"] <= fit["width"], name
        assert tab.evaluate(checks.BROKEN_WORDS, root) == [], name
    shot(tab, "5-figures", size)


def contrast_failures(tab, root: str = "body") -> tuple[list[dict], list[dict]]:
    text = tab.evaluate(checks.TEXT_CONTRAST, root)
    controls = tab.evaluate(checks.CONTROL_CONTRAST)
    return text, controls


def below(results: list[dict]) -> list[dict]:
    """Results under their threshold, or drawn on an image the check cannot measure."""
    return [r for r in results if r["ratio"] < r["need"] or r.get("image")]


@pytest.mark.parametrize(
    ("size", "scheme"),
    [
        pytest.param((1280, 900), "light", id="desktop"),
        pytest.param((390, 844), "light", id="phone"),
        pytest.param((390, 844), "dark", id="phone-dark-mode"),
    ],
)
def test_contrast_focus_labels_and_no_emoji(open_page, size, scheme):
    """WCAG 2.2 AA from the computed colours of everything rendered: text 4.5:1 (3:1 when
    large), placeholders too; controls and focus rings 3:1; every control has a name. In the
    light theme and in dark mode (which a phone set to dark asks for)."""
    tab = open_page(size, scheme=scheme)
    ask(tab, HOMICIDES)
    for summary in answers(tab).last.locator("summary").all():
        summary.click()
    ask(tab, "my bike was nicked from outside the station last week, how do i report it")
    measured: dict[str, list[dict]] = {}
    for name in TABS:
        tab.get_by_role("tab", name=name).click()
        tab.wait_for_timeout(500)
        text, controls = contrast_failures(tab)
        measured[f"{name}: text"], measured[f"{name}: controls"] = text, controls
        assert below(text) == [], name
        assert below(controls) == [], name
        assert tab.evaluate(checks.EMOJI) == [], name
    tab.get_by_role("tab", name="Ask the report").click()
    rings = focus_rings(tab)
    measured["focus rings"] = rings
    weak = [r for r in rings if r["width"] < 2 or r["ratio"] < 3]
    assert weak == [], json.dumps(weak)
    assert unnamed_controls(tab) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"contrast-{size[0]}x{size[1]}-{scheme}.json"
    (SHOTS / name).write_text(json.dumps(measured, indent=1))
    shot(tab, f"8-contrast-{scheme}", size)


def focus_rings(tab, presses: int = 30) -> list[dict]:
    """The focus ring of each control reached with Tab from the top of the page."""
    tab.locator("h1").first.click()
    rings = []
    for _ in range(presses):
        tab.keyboard.press("Tab")
        tab.wait_for_timeout(250)  # Gradio's buttons ease their colours over 0.2 s
        ring = tab.evaluate(checks.FOCUS_RING)
        if ring is not None:
            rings.append(ring)
    return rings


NAMED_ROLES = {"button", "textbox", "combobox", "link", "tab", "checkbox", "listbox", "searchbox"}


def unnamed_controls(tab) -> list[dict]:
    """Controls in the accessibility tree without an accessible name."""
    cdp = tab.context.new_cdp_session(tab)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    out = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in NAMED_ROLES:
            continue
        if not str(node.get("name", {}).get("value", "")).strip():
            out.append({"role": role, "id": node.get("backendDOMNodeId")})
    return out


@pytest.fixture(scope="module")
def staff(server, tmp_path_factory):
    """A staff app whose Evaluation tab reads a fresh clone's reports (the committed markdown
    only) and runs a small slice of the test set."""
    folder = tmp_path_factory.mktemp("reports")
    for report in (ROOT / "evals" / "reports").glob("eval-*.md"):
        shutil.copy(report, folder)
    cases = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    picked = [c for c in load_testset_cases() if c["category"] == "performance_table"][:30]
    cases.write_text("".join(json.dumps(c) + "\n" for c in picked), encoding="utf-8")
    settings = server.settings.model_copy(update={"staff_port": free_port()})
    app = ui.build_staff_app(server.app.web, reports_dir=folder, testset=cases)
    url = ui.launch(
        app, settings, block=False, quiet=True, port=settings.staff_port, auth=checker(settings)
    )
    yield SimpleNamespace(url=url, reports=folder, login=server.login)
    app.close()


@pytest.mark.parametrize("size", SIZES)
def test_evaluation_tab_shows_committed_reports_a_sorted_chart_and_progress(open_page, staff, size):
    tab = open_page(size, staff.url, ready=False)
    user, password = staff.login
    tab.get_by_label("username").fill(user)
    tab.get_by_label("password").fill(password)
    tab.get_by_role("button", name="Login").click()
    tab.locator("#status").get_by_text(READY).wait_for()
    tab.evaluate(checks.HELPERS)  # a new page after the log-in
    assert below(tab.evaluate(checks.TEXT_CONTRAST, "body")) == []  # the drafting desk
    assert below(tab.evaluate(checks.CONTROL_CONTRAST)) == []
    tab.get_by_role("tab", name="Evaluation").click()
    header = tab.locator("#eval-header")
    header.get_by_text("Report of").wait_for()
    assert "No evaluation report yet" not in header.inner_text()
    labels = tab.locator("#eval-chart tbody th")
    values = [float(v.split("%")[0]) for v in tab.locator("#eval-chart td.value").all_inner_texts()]
    assert values == sorted(values, reverse=True) and len(values) >= 8
    names = labels.all_inner_texts()
    assert all(re.fullmatch(r"[a-z_]+", n) for n in names)
    assert labels.evaluate_all("ls => ls.every(l => l.scrollWidth <= l.clientWidth)")  # whole
    fit = tab.evaluate(checks.WIDER_THAN_VIEWPORT, "#eval-chart")
    assert fit["out"] == []
    assert below(tab.evaluate(checks.TEXT_CONTRAST, "body")) == []
    assert below(tab.evaluate(checks.CONTROL_CONTRAST)) == []
    assert tab.evaluate(checks.EMOJI) == []
    assert unnamed_controls(tab) == []
    shot(tab, "6-evaluation", size, full_page=True)
    runs = len(list(staff.reports.glob("eval-*.json")))
    tab.locator("#eval-run").click()
    tab.locator("#eval-progress").get_by_text(re.compile(r"Scoring case \d+ of 30")).wait_for()
    shot(tab, "7-evaluation-running", size)
    tab.locator("#eval-progress").get_by_text("Finished: 30 cases scored").wait_for()
    assert len(list(staff.reports.glob("eval-*.json"))) == runs + 1
    assert "30 cases of" in header.inner_text()
