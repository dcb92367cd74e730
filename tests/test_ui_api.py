"""The Gradio app's API (/ask, /draft) through gradio_client, and its rendering helpers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

import ui
from assistant import AssistantError, Settings
from assistant.errors import IndexBusyError, IndexUnavailableError
from assistant.index import current_build, ensure_index
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]

LETTER = (
    "Dear Commissioner,\n\nHow many homicides were there in Essex?\n"
    "What is your favourite football team?\n\nYours sincerely,\nJane Smith\n"
)
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False, download_files=False)


@pytest.fixture(scope="module")
def staff_client(server) -> Client:
    return Client(server.staff_url, auth=server.login, verbose=False, download_files=False)


@pytest.mark.slow
def test_served_on_loopback_with_safe_settings(server):
    assert server.url.startswith(f"http://127.0.0.1:{server.settings.port}")
    assert (server.app.share, server.app.show_error) == (False, False)
    assert server.app._queue.max_size == server.settings.queue_size
    assert server.app._queue.default_concurrency_limit == server.settings.concurrency
    assert server.app.analytics_enabled is False


@pytest.mark.slow
def test_the_public_app_exposes_only_the_citizens_endpoints(client, server):
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/ask", "/ask_suggesting"}  # the answer, and with follow-ups
    with pytest.raises(Exception):  # noqa: B017 - no such endpoint on the public app
        client.predict(LETTER, api_name="/draft")
    config = server.app.get_config_file()
    names = {d.get("api_name") for d in config["dependencies"]}
    assert not {"draft", "make_draft", "files", "run", "export"} & names
    assert not any("letter" in str(c.get("props", {}).get("elem_id")) for c in config["components"])


@pytest.mark.slow
def test_the_staff_app_refuses_requests_without_a_log_in(server):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain error here
        Client(server.staff_url, verbose=False, download_files=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(server.staff_url, auth=("evaluator", "wrong"), verbose=False)
    reply = httpx.get(f"{server.staff_url.rstrip('/')}/config", timeout=10)
    assert reply.status_code in (401, 403)


@pytest.mark.slow
def test_the_staff_app_serves_the_draft_endpoint_after_log_in(staff_client):
    named = staff_client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/draft"}


@pytest.mark.slow
def test_a_request_body_over_the_limit_is_refused(server):
    body = b"x" * (server.settings.max_request_bytes + 1)
    reply = httpx.post(f"{server.url.rstrip('/')}/gradio_api/queue/join", content=body, timeout=10)
    assert reply.status_code == 413


@pytest.mark.slow
def test_ask_returns_the_answer_contract_with_citations(client):
    answer = client.predict("How many homicides were there?", api_name="/ask")
    assert answer["kind"] == "statistic"
    assert "15" in answer["text"] and "[1]" in answer["text"]
    first = answer["citations"][0]
    assert set(first) == {"n", "document", "section", "pages", "quote"}
    assert (first["n"], first["section"], first["pages"]) == (1, "Performance data", "23")
    assert "Number of homicides" in first["quote"]
    assert set(answer) >= {"question", "statistics", "conflicts", "elapsed_ms"}


@pytest.mark.slow
def test_follow_up_uses_the_history(client):
    first = client.predict("How many homicides were there?", api_name="/ask")
    follow = client.predict("And the year before?", [first], api_name="/ask")
    assert follow["kind"] == "statistic"
    assert "34" in follow["text"]


@pytest.mark.slow
def test_the_chat_answer_brings_its_follow_ups_in_one_step(server):
    """One step, so a question asked at once after it cannot be overwritten by a late one."""
    web = server.app.web
    shown, answers, _, waiting = web.answer_question("How many homicides were there?", [])
    assert waiting is None and len(answers) == 1
    assert 2 <= len(answers[0]["suggestions"]) <= 3
    assert 'class="suggestion"' in shown[-1]["content"]
    _, answers, _, _ = web.answer_question("What is the capital of France?", answers)
    assert [a["suggestions"] for a in answers][1:] == [[]]  # a refusal gets none


@pytest.mark.slow
def test_ask_suggesting_adds_suggested_follow_ups_to_the_answer(client):
    plain = client.predict("How many homicides were there?", api_name="/ask")
    assert "suggestions" not in plain  # /ask itself: the contract unchanged
    answer = client.predict("How many homicides were there?", [], api_name="/ask_suggesting")
    assert {k: v for k, v in answer.items() if k not in ("suggestions", "elapsed_ms")} == {
        k: v for k, v in plain.items() if k != "elapsed_ms"
    }
    assert 2 <= len(answer["suggestions"]) <= 3
    follow = client.predict(answer["suggestions"][0], [answer], api_name="/ask_suggesting")
    assert follow["kind"] == "statistic"
    assert answer["question"] not in follow["suggestions"]
    refused = client.predict("What is the capital of France?", None, api_name="/ask_suggesting")
    assert (refused["kind"], refused["suggestions"]) == ("not_found", [])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "history", "text"),
    [
        ("", None, "Please type a question about the annual report."),
        ("x" * 2001, None, "That question is too long: please shorten it and ask again."),
        (
            "Is crime up?",
            "not a list",
            "The conversation history could not be read: history must be a list of answer objects.",
        ),
    ],
    ids=["empty", "too-long", "bad-history"],
)
def test_bad_ask_input_is_an_invalid_answer_in_one_line(client, question, history, text):
    answer = client.predict(question, history, api_name="/ask")
    assert (answer["kind"], answer["text"], answer["citations"]) == ("invalid", text, [])


@pytest.mark.slow
def test_draft_returns_a_reply_with_references(staff_client):
    draft = staff_client.predict(LETTER, api_name="/draft")
    assert draft["markdown"].startswith("Dear Jane Smith,")
    assert "## References" in draft["markdown"]
    assert (
        draft["text"].startswith("Dear Jane Smith,") and "\n\nReferences\n\n[1] " in draft["text"]
    )
    assert "**" not in draft["text"] and "##" not in draft["text"]
    assert draft["references"][0]["section"] == "Performance data"
    assert draft["unanswered"] == ["What is your favourite football team?"]
    assert draft["questions"][0]["kind"] == "statistic"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("letter", "message"),
    [
        ("", "The letter is empty: paste the text of a letter or email."),
        ("a" * 10001, "The letter is too long: 10,001 characters; the limit is 10,000."),
        (
            "I like the report.",
            "No questions found in the letter: the desk looks for sentences "
            "ending in '?' and requests such as 'Please tell me ...'.",
        ),
    ],
    ids=["empty", "too-long", "no-questions"],
)
def test_bad_draft_input_is_a_one_line_message(staff_client, letter, message):
    with pytest.raises(AppError) as caught:
        staff_client.predict(letter, api_name="/draft")
    assert str(caught.value) == message


# ------------------------------------------------------------ rendering (no server needed)

STAT = {
    "question": XSS,
    "kind": "statistic",
    "text": "15 homicides [1].",
    "statistics": [],
    "citations": [
        {
            "n": 1,
            "document": "Annual Report 2016-17",
            "section": "Performance data",
            "pages": "23",
            "quote": "| Number of homicides | 34 | 15 |",
        }
    ],
    "conflicts": [{"summary": "two figures", "citations": [1]}],
    "elapsed_ms": 1.0,
}
TABLE = {
    "title": "Performance",
    "section": "Performance data",
    "pages": "23",
    "columns": ["2016", "2017"],
    "rows": [],
}
ROW = {"label": "Number of homicides", "values": {"2016": "34", "2017": "15"}}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (XSS, "&lt;img src=x onerror=alert\\(1\\)&gt;"),
        ("**bold** [link](http://x)", "\\*\\*bold\\*\\* \\[link\\]\\(http&#58;//x\\)"),
        ("a & b", "a &amp; b"),
        ("visit http://evil.example", "visit http&#58;//evil\\.example"),
        ("mail a@evil.example", "mail a&#64;evil\\.example"),
    ],
    ids=["html", "markdown", "ampersand", "bare-url", "email"],
)
def test_escape_md_shows_text_literally(text, shown):
    assert ui.escape_md(text) == shown


@pytest.mark.parametrize(
    ("text", "domains", "link"),
    [
        ("Call 0800 123 4567 or visit http://evil.example for help.", (), None),
        ("See www.evil.example today.", ("police.uk",), None),
        ("See https://police.uk.evil.example/x.", ("police.uk",), None),
        (
            "Report it online (https://www.police.uk/report/).",
            ("police.uk",),
            "https://www.police.uk/report/",
        ),
        ("Go to www.police.uk now.", ("police.uk",), "https://www.police.uk"),
    ],
    ids=["not-allowed", "www-not-allowed", "suffix-trick", "allowed", "allowed-www"],
)
def test_answer_text_links_only_allowed_domains(text, domains, link):
    rendered = ui.render_answer({"kind": "answer", "text": text}, {}, link_domains=domains)
    hrefs = re.findall(r'href="([^"]+)"', rendered)
    assert hrefs == ([link] if link else [])
    assert "://" not in re.sub(r'href="[^"]+"', "", rendered)  # nothing left to autolink


def test_the_first_line_of_an_answer_stands_on_a_line_of_its_own():
    text = "In short: 15,000 knives [2]. I funded six bins. [1] They got 15,000 knives. [2]"
    rendered = ui.render_answer({"kind": "answer", "text": text}, {})
    lead, rest = rendered.split("\n\n", 1)
    assert lead == '<p class="answer-lead">In short: 15,000 knives [2].</p>'
    assert rest.startswith("I funded six bins\\.")


def test_statistic_source_is_its_row_drawn_once_under_a_one_line_summary():
    rendered = ui.render_answer(
        STAT, {"| Number of homicides | 34 | 15 |": (ROW, TABLE)}, locate=lambda c: ["s3-b1-r2"]
    )
    assert (
        '<details class="source"><summary><strong>[1]</strong> Performance data · p. 23 · '
        "table row: Number of homicides</summary>"
    ) in rendered
    assert (
        '<table class="row-table"><caption>Number of homicides</caption><tbody>'
        '<tr><th scope="row">2016</th><td>34</td></tr><tr><th scope="row">2017</th><td>15</td>'
        "</tr></tbody></table>"
    ) in rendered
    assert "| Number of homicides |" not in rendered  # the verbatim row stays in the data only
    assert '<a class="open-in-report" href="#read=s3-b1-r2">Open in the report</a>' in rendered
    assert "different figures:</strong> two figures [1]</p>" in rendered


def test_suggested_follow_ups_are_links_that_ask_their_own_words_escaped():
    rendered = ui.render_answer({**STAT, "suggestions": [f"What was {XSS}?", " "]}, {})
    assert rendered.endswith(
        '<div class="suggestions"><p class="suggestions-title">You could also ask</p>'
        '<ul class="suggestion-list"><li><a class="suggestion" href="#ask">What was '
        "&lt;img src=x onerror=alert(1)&gt;?</a></li></ul></div>"
    )
    assert "suggestion" not in ui.render_answer({**STAT, "suggestions": []}, {})


def test_a_sentence_source_opens_to_its_quote_escaped():
    answer = {
        "kind": "answer",
        "text": "A [1].",
        "citations": [
            {"n": 1, "document": "D", "section": "Intro", "pages": "3-5", "quote": XSS + " one two"}
        ],
    }
    rendered = ui.render_answer(answer, {}, locate=lambda c: ["s1-b0-i0", "s1-b0-i1"])
    assert "<img" not in rendered
    assert "· “&lt;img src=x onerror=alert(1)&gt; one two”</summary>" in rendered
    assert "<blockquote>&lt;img src=x onerror=alert(1)&gt; one two</blockquote>" in rendered
    assert 'href="#read=s1-b0-i0+s1-b0-i1"' in rendered
    assert "\n\n" not in rendered.split("\n\n", 1)[1]  # the sources are one HTML block


def test_the_report_view_escapes_the_report_and_anchors_every_sentence_and_row():
    from assistant.reader import ReaderBlock, ReaderSection, Sentence, TableRow

    section = ReaderSection(
        "s0",
        "D",
        "Intro <b>",
        "3",
        (
            ReaderBlock("prose", lines=((Sentence("s0-b0-i0", XSS + " said."),),)),
            ReaderBlock(
                "table",
                header=("Item", "2016/17"),
                rows=(TableRow("s0-b1-r0", ("<i>Pay</i>", "1,230"), "| <i>Pay</i> | 1,230 |"),),
            ),
        ),
    )
    shown = ui.reader_html([section])
    assert "<img" not in shown and "<i>" not in shown and "<b>" not in shown
    assert '<span id="rd-s0-b0-i0">&lt;img src=x onerror=alert(1)&gt; said.</span>' in shown
    assert '<tr id="rd-s0-b1-r0"><td>&lt;i&gt;Pay&lt;/i&gt;</td><td class="num">1,230</td>' in shown
    assert '<a href="#go=s0">Intro &lt;b&gt;</a>' in shown
    assert ui.reader_html([]) == "<p>The report is not available yet.</p>"


def test_a_question_shows_at_once_with_looking_it_up():
    shown = ui.pending_messages([{"role": "user", "content": "a"}], XSS)
    assert shown[-2] == {"role": "user", "content": ui.escape_md(XSS)}
    assert shown[-1]["content"] == '<p class="pending" role="status">Looking it up…</p>'
    assert len(shown) == 3


@pytest.mark.parametrize(
    ("kind", "banner", "number"),
    [
        ("emergency", "Emergency? Call 999 now.", "999"),
        ("report", "To report a crime: call 101", "101"),
    ],
    ids=["emergency", "report"],
)
def test_safety_answers_get_a_banner(kind, banner, number):
    rendered = ui.render_answer({"kind": kind, "text": "Call."}, {})
    assert rendered.startswith(f'<div class="banner banner-{kind}" role="alert">')
    assert banner in re.sub(r"<[^>]+>", "", rendered)  # the words, links aside
    assert f'<a href="tel:{number}">{number}</a>' in rendered  # one tap dials it


def test_user_question_is_escaped_in_the_chat():
    [user, _] = ui.chat_messages([STAT], {})
    assert "<img" not in user["content"]


ACCOUNTS = {
    "title": "What the money was spent on in 2016/17",
    "section": "Summary of accounts",
    "pages": "22",
    "columns": ["2016/17"],
    "document": "Annual Report 2016-17",
    "rows": [
        {
            "label": label,
            "values": {"2016/17": f"{value:,}"},
            "numbers": {"2016/17": value},
            "quote": f"| {label} | {value:,} |",
            "aggregate": label in {"Operational Expenditure", "Net Revenue Expenditure", "Total"},
        }
        for label, value in [
            ("Pay", 100),
            ("Staff", 60),
            ("Income", -10),
            ("Operational Expenditure", 150),
            ("Grants", 5),
            ("Net Revenue Expenditure", 155),
            ("Total", 155),
        ]
    ],
    "footnotes": [],
    "notes": ["Title says 2015/16 <b>but</b> total is 2016/17."],
}


def test_charts_leave_out_totals_and_subtotals_but_tables_keep_every_row():
    points, column = ui.chart_frame(ACCOUNTS)
    assert column == "2016/17"
    assert list(points["Item"]) == ["Pay", "Staff", "Income", "Grants"]
    assert list(ui.table_frame(ACCOUNTS)["Row"]) == [r["label"] for r in ACCOUNTS["rows"]]


def test_table_heading_names_section_and_page_and_escapes_notes():
    heading = ui.table_heading(ACCOUNTS)
    assert "section “Summary of accounts”, page 22" in heading
    assert "&lt;b&gt;but&lt;/b&gt;" in heading


class GatedOpener:
    """Opens like Assistant.open, reporting progress, once the test lets it."""

    def __init__(self, result=None, error: Exception | None = None) -> None:
        self.gate = threading.Event()
        self.result, self.error = result, error

    def __call__(self, settings, progress, router=None):
        progress("Building the index: embedding 124 passages...")
        self.gate.wait(10)
        if self.error is not None:
            raise self.error
        return self.result


def _wait(engine: ui.Engine) -> None:
    deadline = time.monotonic() + 10
    while not engine.ready and time.monotonic() < deadline:
        time.sleep(0.01)


def test_engine_reports_progress_then_ready(tmp_path):
    opener = GatedOpener(result=object())
    engine = ui.Engine(Settings(index_dir=tmp_path), opener=opener).start()
    time.sleep(0.05)
    assert engine.status() == (
        "**Getting ready** (the first start builds the index): "
        "Building the index: embedding 124 passages..."
    )
    opener.gate.set()
    assert engine.get(10) is opener.result
    assert engine.status() == "**Ready:** answers come from the Annual Report 2016-17."


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            IndexUnavailableError("index is damaged; run 'assistant ingest --force'"),
            "index is damaged; run 'assistant ingest --force'",
        ),
        (RuntimeError("boom"), "The assistant could not start: see the server log."),
    ],
    ids=["assistant-error", "bug"],
)
def test_engine_failure_is_one_line(tmp_path, error, line):
    opener = GatedOpener(error=error)
    opener.gate.set()
    engine = ui.Engine(Settings(index_dir=tmp_path), opener=opener).start()
    _wait(engine)
    assert engine.status() == f"**Not available:** {line}"
    with pytest.raises(AssistantError) as caught:
        engine.get(0)
    assert str(caught.value) == line


class FlakyOpener:
    """Fails with the given errors in turn, then opens."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.result, self.calls = list(errors), object(), 0

    def __call__(self, settings, progress, router=None):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


BUSY = IndexBusyError("index: index is temporarily unavailable (locked by another process)")
DAMAGED = IndexUnavailableError("index is damaged; run 'assistant ingest --force'")


@pytest.mark.parametrize(
    ("error", "retried_by", "calls"),
    [(BUSY, "request", 2), (BUSY, "status timer", 2), (DAMAGED, "request", 1)],
    ids=["busy-request", "busy-timer", "damaged-stays"],
)
def test_engine_opens_again_after_a_temporary_failure(tmp_path, error, retried_by, calls):
    opener = FlakyOpener(error)
    engine = ui.Engine(Settings(index_dir=tmp_path), opener=opener).start()
    _wait(engine)
    assert not engine.settled or error is DAMAGED
    if retried_by == "status timer":
        engine.status()
        _wait(engine)
        assert opener.calls == calls
    if calls == 1:
        with pytest.raises(AssistantError, match="damaged"):
            engine.get(10)
    else:
        assert engine.get(10) is opener.result
        assert engine.settled and engine.status().startswith("**Ready:**")
    assert opener.calls == calls


class Served:
    """Stands in for an Assistant serving one build."""

    def __init__(self, build: str) -> None:
        self.build, self.closed = build, False

    def close(self) -> None:
        self.closed = True


class BuildOpener:
    """Opens whatever build current.json names; after the first, fails if told to."""

    def __init__(self, later_fail: bool) -> None:
        self.later_fail, self.calls = later_fail, 0

    def __call__(self, settings, progress, router=None):
        self.calls += 1
        if self.later_fail and self.calls > 1:
            raise IndexUnavailableError("index is damaged; run 'assistant ingest --force'")
        return Served(current_build(settings))


def _point(settings: Settings, build: str) -> None:
    (settings.index_dir / "current.json").write_text(f'{{"build": "{build}"}}')


@pytest.mark.parametrize("new_build_opens", [True, False], ids=["switches", "keeps-serving"])
def test_engine_follows_the_pointer_between_requests(tmp_path, new_build_opens):
    settings = Settings(index_dir=tmp_path)
    _point(settings, "first")
    opener = BuildOpener(later_fail=not new_build_opens)
    engine = ui.Engine(settings, opener=opener).start()
    first = engine.get(10)
    assert engine.get(0) is first and opener.calls == 1  # the same build: nothing reopened
    _point(settings, "second")
    now = engine.get(0)
    assert opener.calls == 2
    if new_build_opens:
        assert now.build == "second" and first.closed
    else:  # the build that works keeps serving; the switch waits before trying again
        assert now is first and not first.closed
        assert engine.get(0) is first and opener.calls == 2


SESSIONS = "How many sessions did the Speed Watch volunteers run?"


@pytest.mark.slow
def test_the_web_app_follows_a_new_build_from_another_ingest(small_corpus, tmp_path):
    settings = Settings(corpus_dir=small_corpus, index_dir=tmp_path / "index")
    engine = ui.Engine(settings).start()
    first = engine.get(60)
    old = settings.index_dir / "builds" / first.build
    report = small_corpus / "mini.txt"
    report.write_text(report.read_text().replace("752", "815"))
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(small_corpus),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
    }
    ingest = [sys.executable, "-m", "assistant.cli", "ingest"]
    subprocess.run(ingest, cwd=ROOT, env=env, check=True, capture_output=True)
    assert current_build(settings) != first.build
    assert old.is_dir() and "752" in first.ask(SESSIONS).text  # still served, not deleted
    second = engine.get(0)  # the next request switches
    assert second.build == current_build(settings) and second.router is first.router
    assert "815" in second.ask(SESSIONS).text
    assert engine.get(0) is second
    ensure_index(settings, force=True)  # the old build is released now: the next ingest drops it
    assert not old.exists()
    second.close()


def test_conflict_with_markers_in_its_summary_is_not_marked_twice():
    answer = {
        "kind": "answer",
        "text": "A [1] B [2].",
        "conflicts": [{"summary": "table [1] vs text [2]", "citations": [1, 2]}],
    }
    rendered = ui.render_answer(answer, {})
    assert rendered.endswith("different figures:</strong> table [1] vs text [2]</p>")


def _serve_ui(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "ui.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        timeout=60,
    )


def test_a_bad_setting_stops_the_app_with_one_line():
    done = _serve_ui({"ASSISTANT_PORT": "not-a-port"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: invalid setting ASSISTANT_PORT: Input should be a valid integer, unable to "
        "parse string as an integer"
    ]


def test_a_busy_port_stops_the_app_with_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _serve_ui({"ASSISTANT_PORT": str(port)})
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: cannot serve on 127.0.0.1:{port}: Address already in use"


@pytest.mark.slow
def test_sigterm_removes_the_drafts_folder(built_settings, tmp_path):
    """Drafted letters hold personal details: their folder goes when the app is stopped."""
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TMPDIR": str(tmp_path),
        "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
        "ASSISTANT_PORT": str(port),
    }
    app = subprocess.Popen(
        [sys.executable, "ui.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob("pcc-drafts-*")):
            time.sleep(0.2)
        assert list(tmp_path.glob("pcc-drafts-*")), "the app made no drafts folder"
        app.send_signal(signal.SIGTERM)
        app.wait(30)
    finally:
        app.kill()
    assert list(tmp_path.glob("pcc-drafts-*")) == []
