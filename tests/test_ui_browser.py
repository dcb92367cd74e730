"""End to end in headless Chromium: chat with sources, thumbs-down stored, drafting desk."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import ui
from assistant.errors import IndexUnavailableError
from tests.conftest import BROWSER_TEST_MARKS, free_port, watch_page

ROOT = Path(__file__).resolve().parents[1]

TIMEOUT_MS = 30_000
READY = "answers come from the Annual Report 2016-17"  # the status line once ready
LETTER = (
    "Dear Commissioner,\n\nI read your annual report. How many homicides were there in Essex?\n"
    "I would like to know how much was spent on police officer pay.\n"
    "What is your favourite football team?\n\nYours sincerely,\nJane Smith\n"
)

pytestmark = BROWSER_TEST_MARKS


@pytest.fixture
def page(browser, server) -> Iterator[SimpleNamespace]:
    """A fresh page on the app; records dialogs and any request that leaves the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    seen = SimpleNamespace(page=tab, dialogs=[], outside=[])
    watch_page(tab, seen)
    tab.goto(server.url)
    tab.locator("#status").get_by_text(READY).wait_for()
    try:
        yield seen
    finally:
        context.close()
    assert seen.outside == [], "the page made requests off this machine"
    assert seen.dialogs == [], "something ran script in the page"


# Locator.wait_for() waits until the element is visible and fails on timeout: an assertion.


def ask(page, question: str) -> None:
    """Type a question, press Ask and wait for the new answer (not the "looking it up")."""
    before = page.locator("#chat [data-testid='bot']").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    wait_for_answer(page, before)


def wait_for_answer(page, before: int) -> None:
    """Wait until the chat holds more than `before` replies and none is still pending."""
    page.wait_for_function(
        """(before) => document.querySelectorAll("#chat [data-testid='bot']").length > before
            && !document.querySelector("#chat .pending")""",
        arg=before,
    )


def stored_votes(server, needle: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(server.settings.feedback_db) as conn:
        return conn.execute(
            "SELECT question, vote, comment FROM feedback WHERE question LIKE ?", (f"%{needle}%",)
        ).fetchall()


def test_chat_shows_answer_and_source_quote_and_stores_thumbs_down(page, server, tmp_path):
    tab = page.page
    tab.locator("#notice").get_by_text("not for emergencies: call 999").wait_for()
    tab.get_by_text("How many homicides were there in 2016-17?").wait_for()
    ask(tab, "How many homicides were there?")
    answer = tab.locator("#chat [data-testid='bot']").last
    assert "15" in answer.inner_text() and "[1]" in answer.inner_text()
    source = answer.locator("details.source").first
    source.locator("summary").click()
    row = source.locator("table.row-table")
    row.get_by_text("Number of homicides").wait_for()
    assert "-55.9" in row.inner_text()
    assert "| Number of homicides |" not in answer.inner_text()  # the row is drawn once
    tab.locator("#chat button[aria-label='Dislike']").last.click()
    tab.locator("#feedback-note").get_by_text("is saved").wait_for()
    tab.locator("#comment-row textarea").fill("Too long. Ring me on 07700 900123")
    tab.get_by_role("button", name="Send comment").click()
    tab.locator("#feedback-note").get_by_text("Thank you: your comment is saved.").wait_for()
    tab.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    [(question, vote, comment)] = stored_votes(server, "How many homicides were there?")
    assert (question, vote) == ("How many homicides were there?", "down")
    assert comment == "Too long. Ring me on [phone]"


def test_markup_in_a_question_shows_as_text_and_emergency_gets_a_banner(page, server, tmp_path):
    tab = page.page
    ask(tab, "<img src=x onerror=alert(1)> <b>bold</b> is crime up?")
    chat = tab.locator("#chat")
    chat.get_by_text("bold is crime up?").wait_for()  # the echo drops the tags, as text
    assert chat.locator("img[onerror], b:text-is('bold')").count() == 0
    ask(tab, "my bike was nicked from outside the station last week, how do i report it")
    link = chat.locator(".banner-report a").last
    assert link.get_attribute("href") == server.app.web.engine.router.wording.report_url
    ask(tab, "Someone is breaking in to my house right now")
    banner = chat.locator(".banner-emergency").last
    assert banner.inner_text() == "Emergency? Call 999 now."
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
    tab.screenshot(path=str(tmp_path / "emergency.png"), full_page=True)


def test_the_public_app_has_no_staff_tools(page):
    tab = page.page
    assert tab.get_by_role("tab", name="Drafting desk").count() == 0
    assert tab.get_by_role("tab", name="Evaluation").count() == 0
    assert tab.locator("#letter, #make-draft").count() == 0


def staff_page(browser, server):
    """A page logged in to the staff app."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(server.staff_url)
    user, password = server.login
    tab.get_by_label("username").fill(user)
    tab.get_by_label("password").fill(password)
    tab.get_by_role("button", name="Login").click()
    tab.locator("#status").get_by_text(READY).wait_for()
    return context, tab


def test_drafting_desk_drafts_a_reply_with_references(browser, server, tmp_path):
    context, tab = staff_page(browser, server)
    try:
        _draft_a_reply(tab, tmp_path)
    finally:
        context.close()


def _draft_a_reply(tab, tmp_path):
    tab.get_by_role("tab", name="Drafting desk").click()
    tab.locator("#letter textarea").fill(LETTER)
    tab.locator("#make-draft").click()
    draft = tab.locator("#draft textarea")
    tab.wait_for_function(
        "() => document.querySelector('#draft textarea').value.includes('\\n\\nReferences\\n')"
    )
    text = draft.input_value()
    assert text.startswith("Dear Jane Smith,")
    assert "• Not answered by the report: What is your favourite football team?" in text
    assert "**" not in text and "##" not in text
    tab.locator("#draft-summary").get_by_text("Found 3 question(s)").wait_for()
    assert downloaded(tab, "#download-txt") == text
    tab.locator("#download-docx").wait_for()
    tab.screenshot(path=str(tmp_path / "draft.png"), full_page=True)
    draft.fill(text.replace("Dear Jane Smith,", "Dear Ms Smith,"))
    draft.press("Tab")  # leaving the box refreshes the downloads with the edits
    for _ in range(20):
        if downloaded(tab, "#download-txt").startswith("Dear Ms Smith,"):
            break
        tab.wait_for_timeout(250)
    assert downloaded(tab, "#download-txt").startswith("Dear Ms Smith,")


def downloaded(tab, button: str) -> str:
    """The text of the file a download button gives."""
    with tab.expect_download() as download:
        tab.locator(button).click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_figures_tab_shows_tables_and_charts_with_their_source(page, tmp_path):
    tab = page.page
    tab.get_by_role("tab", name="Figures at a glance").click()
    heading = tab.locator("#table-heading-0")
    heading.get_by_text("Performance data: Police Priority Indicators").wait_for()
    assert "section “Performance data”, page 23" in heading.inner_text()
    tab.locator("#table-0").get_by_text("Number of homicides").first.wait_for()
    tab.locator("#chart-0 canvas, #chart-0 svg").first.wait_for()
    tab.screenshot(path=str(tmp_path / "figures.png"), full_page=True)


def _open(browser, url):
    """A new browser context and a page on the url."""
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(url)
    return context, tab


def _serve(settings, opener):
    settings = settings.model_copy(update={"host": "127.0.0.1", "port": free_port()})
    app = ui.build_app(settings, opener=opener)
    return app, ui.launch(app, settings, block=False, quiet=True)


def test_first_start_answers_999_at_once_then_shows_ready(
    browser, built_settings, assistant_session
):
    gate = threading.Event()

    def slow_open(settings, progress, router):
        progress("Building the index: embedding 124 passages...")
        gate.wait(60)
        return assistant_session

    app, url = _serve(built_settings, slow_open)
    context, tab = _open(browser, url)
    try:
        tab.locator("#status").get_by_text("Building the index: embedding 124 passages").wait_for()
        started = time.monotonic()
        ask(tab, "there's a man with a knife in my garden right now")
        assert "call 999 now" in tab.locator("#chat [data-testid='bot']").last.inner_text()
        assert time.monotonic() - started < 5  # typed, sent and shown; the router takes ms
        gate.set()
        tab.locator("#status").get_by_text(READY).wait_for()
        ask(tab, "How many homicides were there?")
        assert "15" in tab.locator("#chat [data-testid='bot']").last.inner_text()
    finally:
        gate.set()
        context.close()
        app.close()


def test_an_index_that_cannot_open_still_answers_999(browser, built_settings, tmp_path):
    def broken_open(settings, progress, router):
        raise IndexUnavailableError("index is damaged; run 'assistant ingest --force'")

    app, url = _serve(built_settings, broken_open)
    context, tab = _open(browser, url)
    try:
        tab.locator("#status").get_by_text("index is damaged").wait_for()
        ask(tab, "I've taken all my pills and I want it to be over")
        reply = tab.locator("#chat [data-testid='bot']").last.inner_text()
        assert "call 999 now" in reply and "116 123" in reply
        tab.screenshot(path=str(tmp_path / "distress-without-index.png"), full_page=True)
    finally:
        context.close()
        app.close()


def test_web_addresses_in_the_chat_are_links_only_on_allowed_domains(page, server):
    tab = page.page
    question = "Is http://evil.example or www.evil.example the police website?"
    ask(tab, question)
    chat = tab.locator("#chat")
    chat.get_by_text(question).wait_for()
    assert chat.locator("a[href*='evil.example']").count() == 0
    ask(tab, "my bike was nicked from outside the station last week, how do i report it")
    reply = chat.locator("[data-testid='bot']").last
    hrefs = [a.get_attribute("href") for a in reply.locator("a").all()]
    web_links = [h for h in hrefs if not h.startswith("tel:")]
    assert web_links == [server.app.web.engine.router.wording.report_url] * 2  # banner, text
    assert "tel:101" in hrefs  # the number dials with one tap on a phone
    ask(tab, "there's a man in my garden with a knife right now")
    chat.locator("[data-testid='bot']").nth(2).wait_for()
    reply = chat.locator("[data-testid='bot']").last
    hrefs = [a.get_attribute("href") for a in reply.locator("a").all()]
    assert "tel:999" in hrefs and "tel:116123" in hrefs
