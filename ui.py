"""Gradio web apps: the citizens' chat (public) and the staff app (drafting desk, evaluation),
behind a log-in. Wiring only.

Run with `make run` or `python ui.py`: the public app on ASSISTANT_PORT, the staff app on
ASSISTANT_STAFF_PORT when ASSISTANT_STAFF_USERS is set. Both share one engine. All answering
lives in the `assistant` package; this module only renders its answers, escaping every piece
of report or user text before it reaches a markdown/HTML component.
"""

from __future__ import annotations

import atexit
import html
import logging
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from starlette.middleware import Middleware

from assistant import Answer, AssistantError, Settings
from assistant.draft import draft_reply, markdown_to_docx
from assistant.errors import IndexBusyError
from assistant.feedback import FeedbackStore
from assistant.index import current_build
from assistant.intake import first_answer
from assistant.safety import SafetyRouter
from assistant.untrusted import link_allowed, split_web_addresses

log = logging.getLogger("assistant.ui")

TITLE = "Essex PCC Annual Report 2016-17: questions and answers"
NOTICE = (
    "Answers come only from the Police and Crime Commissioner for Essex's **Annual Report "
    "2016-17**, each with its source. This chat is **not for emergencies: call 999**. "
    "To **report a crime, call 101** or report it online. Please don't type personal details."
)
EXAMPLES = (
    "How many homicides were there in 2016-17?",
    "Is domestic abuse going up?",
    "What is being done about antisocial behaviour?",
    "How much was spent on police officer pay?",
    "What does Community Speed Watch do?",
    "What are the priorities for next year?",
)
BANNERS = {
    "emergency": ("banner banner-emergency", "Emergency? Call 999 now."),
    "report": ("banner banner-report", "To report a crime: call 101 or report it online."),
}
MAX_HISTORY = 10
MAX_TABLE_SLOTS = 6
READY_WAIT_S = 180.0
SWITCH_RETRY_S = 30.0  # a new build that would not open is tried again after this long
RETRYING = "the index was busy a moment ago; opening it again…"
NOT_READY = "The assistant is still starting (building the index). Please try again in a minute."
CSS = """
.banner { padding: 0.6em 0.9em; border-radius: 6px; font-weight: 700; margin-bottom: 0.5em; }
.banner-emergency { background: #b00020; color: #ffffff; }
.banner-report { background: #0b4f8a; color: #ffffff; }
#notice { border-left: 4px solid #b00020; padding-left: 0.8em; }
"""
_CITE = re.compile(r"\[\d+\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def escape_md(text: object) -> str:
    """Text safe to put into a markdown/HTML component: shown literally, never rendered (web
    and email addresses too: the renderer would make them links)."""
    escaped = html.escape(_MD_SPECIAL.sub(r"\\\1", str(text)), quote=True)
    return escaped.replace("://", "&#58;//").replace("@", "&#64;")


def linked_text(text: object, domains: tuple[str, ...]) -> str:
    """Escaped answer text in which only web addresses on an allowed domain are links."""
    out = []
    for piece, is_address in split_web_addresses(str(text)):
        if not (is_address and link_allowed(piece, domains)):
            out.append(escape_md(piece))
            continue
        href = html.escape(piece if "://" in piece else f"https://{piece}", quote=True)
        out.append(
            f'<a href="{href}" target="_blank" rel="noopener noreferrer">{escape_md(piece)}</a>'
        )
    return "".join(out)


def blockquote(text: str) -> str:
    """An escaped text as a markdown block quote."""
    return "\n".join(f"> {escape_md(line)}" for line in str(text).splitlines() or [""])


Opener = Callable[[Settings, Callable[[str], None], SafetyRouter], Any]


def open_assistant(
    settings: Settings, progress: Callable[[str], None], router: SafetyRouter
) -> Any:
    """Assistant.open, building the index when it is missing or stale (sharing the router)."""
    from assistant import Assistant

    return Assistant.open(settings, progress=progress, router=router)


class Engine:
    """Opens the Assistant in a background thread so the page is served at once."""

    def __init__(
        self, settings: Settings, assistant: Any | None = None, opener: Opener = open_assistant
    ) -> None:
        self.settings = settings
        # The router needs no index: it answers danger at once, even while the index builds
        # or when it cannot open; its classifier loads in the background.
        self.router = getattr(assistant, "router", None) or SafetyRouter.for_settings(settings)
        self._assistant = assistant
        self._opener = opener
        self._status = "starting…"
        self._error: str | None = None
        self._temporary = False  # the last opening failed for a moment only: try again
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._switch_lock = threading.Lock()
        self._next_switch_try = 0.0  # monotonic time before which a failed switch waits
        if assistant is not None:
            self._ready.set()

    def start(self) -> Engine:
        """Begin opening (and if need be building) the index."""
        self.router.load_in_background()
        if not self._ready.is_set():
            self._start_opening()
        return self

    def _start_opening(self) -> None:
        threading.Thread(target=self._open, name="open-assistant", daemon=True).start()

    def _progress(self, message: str) -> None:
        self._status = message

    def _open(self) -> None:
        try:
            self._assistant = self._opener(self.settings, self._progress, self.router)
        except IndexBusyError as error:  # locked for a moment: the next request tries again
            self._error, self._temporary = str(error), True
        except AssistantError as error:
            self._error = str(error)
        except Exception:  # a bug: keep the page up, tell the operator in the log
            log.exception("opening the assistant failed")
            self._error = "The assistant could not start: see the server log."
        finally:
            self._ready.set()

    def _retry_if_temporary(self) -> None:
        """Open again when the last attempt failed for a moment only (a locked store)."""
        with self._lock:
            if not (self._ready.is_set() and self._temporary):
                return
            self._error, self._temporary = None, False
            self._status = RETRYING
            self._ready.clear()
            self._start_opening()

    @property
    def ready(self) -> bool:
        """True once opening has finished (successfully or not)."""
        return self._ready.is_set()

    @property
    def settled(self) -> bool:
        """True once opening has finished for good: opened, or failed for a lasting reason."""
        return self._ready.is_set() and not self._temporary

    def status(self) -> str:
        """One line for the page: starting, building progress, ready or error (the status
        timer calling this also retries an opening that failed for a moment)."""
        self._retry_if_temporary()
        if self._error:
            return f"⚠️ {self._error}"
        if self._assistant is not None:
            return "✅ Ready: answers come from the Annual Report 2016-17."
        return f"⏳ Getting ready (the first start builds the index): {self._status}"

    def get(self, wait: float = READY_WAIT_S) -> Any:
        """The opened Assistant; a one-line AssistantError if it is not available."""
        self._retry_if_temporary()
        self._ready.wait(wait)
        if self._assistant is None:
            raise AssistantError(self._error or NOT_READY)
        self._follow_current_build()
        return self._assistant

    def _follow_current_build(self) -> None:
        """Between requests, switch to the build current.json names now (another ingest
        switched it), sharing the router; on failure keep serving the build that works."""
        serving = self._assistant
        name = getattr(serving, "build", None)
        if name is None or current_build(self.settings) in (None, name):
            return
        with self._switch_lock:
            if self._assistant is not serving or time.monotonic() < self._next_switch_try:
                return  # another request switched already, or the last try just failed
            try:
                fresh = self._opener(self.settings, self._progress, self.router)
            except Exception as error:
                bug = not isinstance(error, AssistantError)
                log.warning("staying on build %s: %s", name, error, exc_info=bug)
                self._next_switch_try = time.monotonic() + SWITCH_RETRY_S
                return
            self._assistant = fresh
        log.info("switched from build %s to %s", name, getattr(fresh, "build", "?"))
        close = getattr(serving, "close", None)
        if close is not None:
            close()  # its lease goes: the next ingest may delete the old build


def render_table_row(row: dict[str, Any], table: dict[str, Any]) -> str:
    """A one-row markdown table (header and row) with the table's source."""
    columns = list(table.get("columns", []))
    header = "| " + " | ".join(["Indicator", *(escape_md(c) for c in columns)]) + " |"
    rule = "|" + " --- |" * (len(columns) + 1)
    cells = [escape_md(row.get("label", ""))]
    cells += [escape_md(row.get("values", {}).get(c, "")) for c in columns]
    source = f"{table.get('section', '')}, p. {table.get('pages', '')}"
    where = f"Table: {table.get('title', '')}, {source}"
    return f"{header}\n{rule}\n| " + " | ".join(cells) + f" |\n\n_{escape_md(where)}_"


def render_citation(citation: dict[str, Any], rows: dict[str, tuple[dict, dict]]) -> str:
    """One source: document, section, pages, the table row if any, and the verbatim quote."""
    head = (
        f"**\\[{int(citation.get('n', 0))}\\]** {escape_md(citation.get('document', ''))} · "
        f"{escape_md(citation.get('section', ''))} · p. {escape_md(citation.get('pages', ''))}"
    )
    parts = [head]
    match = rows.get(_norm(citation.get("quote", "")))
    if match is not None:
        parts.append(render_table_row(*match))
    parts.append(blockquote(citation.get("quote", "")))
    return "\n\n".join(parts)


def _norm(text: object) -> str:
    """Whitespace-normalised text, for matching a quote to a table row."""
    return re.sub(r"\s+", " ", str(text)).strip()


def render_answer(
    answer: dict[str, Any],
    rows: dict[str, tuple[dict, dict]],
    report_url: str = "",
    link_domains: tuple[str, ...] = (),
) -> str:
    """The assistant's chat message: banner, text with [n] markers, conflicts, sources."""
    parts: list[str] = []
    if answer.get("kind") in BANNERS:
        css_class, line = BANNERS[answer["kind"]]
        link = ""
        if answer["kind"] == "report" and report_url:
            href = html.escape(report_url, quote=True)
            link = f' <a href="{href}" target="_blank" rel="noopener noreferrer">Report online</a>'
        parts.append(f'<div class="{css_class}" role="alert">{html.escape(line)}{link}</div>')
    parts.append(linked_text(answer.get("text", ""), link_domains))
    for conflict in answer.get("conflicts", []):
        summary = str(conflict.get("summary", ""))
        marks = (
            ""
            if _CITE.search(summary)
            else " " + "".join(f"\\[{int(n)}\\]" for n in conflict.get("citations", []))
        )
        parts.append(f"⚠️ **The report gives different figures:** {escape_md(summary)}{marks}")
    citations = answer.get("citations", [])
    if citations:
        parts.append("**Sources**")
        parts += [render_citation(c, rows) for c in citations]
    return "\n\n".join(parts)


def chat_messages(
    answers: list[dict[str, Any]],
    rows: dict,
    report_url: str = "",
    link_domains: tuple[str, ...] = (),
) -> list[dict[str, str]]:
    """The Chatbot's messages, rebuilt from the answers (user message, reply, ...)."""
    messages: list[dict[str, str]] = []
    for answer in answers:
        messages.append({"role": "user", "content": escape_md(answer.get("question", ""))})
        reply = render_answer(answer, rows, report_url, link_domains)
        messages.append({"role": "assistant", "content": reply})
    return messages


def parse_history(history: object) -> list[Answer]:
    """Earlier answers (dicts as returned by /ask), at most MAX_HISTORY, oldest first."""
    if history in (None, ""):
        return []
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ValueError("history must be a list of answer objects")
    return [Answer.from_dict(item) for item in history[-MAX_HISTORY:]]


def _one_line(error: AssistantError) -> gr.Error:
    """A Gradio error modal with the user's one line (escaped: Gradio renders it as HTML)."""
    return gr.Error(html.escape(str(error), quote=False), print_exception=False)


def _numeric_column(table: dict[str, Any]) -> str | None:
    """The column to chart: a "%" change column if present, else the first numeric one."""
    rows = table.get("rows", [])
    numeric = [
        c
        for c in table.get("columns", [])
        if any(r.get("numbers", {}).get(c) is not None for r in rows)
    ]
    changes = [c for c in numeric if "%" in c]
    return (changes or numeric or [None])[0]


def _short(label: str, limit: int = 42) -> str:
    """A chart axis label, cut with an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def table_frame(table: dict[str, Any]) -> pd.DataFrame:
    """The table as printed, one row per report row (its heading names section and page)."""
    columns = list(table.get("columns", []))
    records = []
    for row in table.get("rows", []):
        record = {"Group": row.get("group", ""), "Row": row.get("label", "")}
        record |= {c: row.get("values", {}).get(c, "") for c in columns}
        records.append(record)
    frame = pd.DataFrame(records, columns=["Group", "Row", *columns])
    return frame if frame["Group"].astype(bool).any() else frame.drop(columns="Group")


def chart_frame(table: dict[str, Any]) -> tuple[pd.DataFrame, str] | None:
    """Rows to chart (totals and subtotals left out) and the charted column; None if none."""
    column = _numeric_column(table)
    if column is None:
        return None
    labels: list[str] = []
    values: list[float] = []
    for row in table.get("rows", []):
        value, label = row.get("numbers", {}).get(column), _short(str(row.get("label", "")))
        if value is None or row.get("aggregate") or label in labels:
            continue
        labels.append(label)
        values.append(float(value))
    if not labels:
        return None
    return pd.DataFrame({"Item": labels, column: values}), column


def table_heading(table: dict[str, Any]) -> str:
    """Escaped title, source (section and page), footnotes and notes of a table."""
    lines = [
        f"### {escape_md(table.get('title', 'Table'))}",
        f"Source: {escape_md(table.get('document', ''))}, section "
        f"“{escape_md(table.get('section', ''))}”, page {escape_md(table.get('pages', ''))}.",
    ]
    lines += [f"- {escape_md(note)}" for note in table.get("notes", [])]
    lines += [f"- {escape_md(note)}" for note in table.get("footnotes", [])]
    return "\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if lines[2:] else "")


def ordered_tables(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Performance indicators first, then the accounts tables, as many as there are slots."""

    def is_performance(t: dict[str, Any]) -> bool:
        return any("12 months" in c for c in t.get("columns", [])) or "erformance" in t.get(
            "section", ""
        )

    useful = [t for t in tables if t.get("rows") and t.get("columns")]
    return sorted(useful, key=lambda t: not is_performance(t))[:MAX_TABLE_SLOTS]


def slot_updates(table: dict[str, Any] | None) -> list[Any]:
    """Updates for one figures slot (heading, table, chart); hidden when there is no table."""
    if table is None:
        return [gr.update(visible=False)] * 3
    heading = gr.update(value=table_heading(table), visible=True)
    data = table_frame(table)
    widths = ["40%"] + [f"{60 // max(len(data.columns) - 1, 1)}%"] * (len(data.columns) - 1)
    frame = gr.update(value=data, visible=True, column_widths=widths)
    chart = chart_frame(table)
    if chart is None:
        return [heading, frame, gr.update(visible=False)]
    points, column = chart
    source = f"{table.get('section', '')}, page {table.get('pages', '')}"
    plot = gr.update(
        value=points,
        x="Item",
        y=column,
        sort=list(points["Item"]),
        x_label_angle=-35,
        title=f"{_short(column, 40)} (source: {source})",
        caption=f"Source: {source}",
        visible=True,
    )
    return [heading, frame, plot]


def write_downloads(text: str, folder: Path) -> tuple[Path, Path]:
    """The (edited) draft as draft-reply.md and draft-reply.docx in a fresh sub-folder."""
    _remove_old(folder)
    target = folder / uuid.uuid4().hex
    target.mkdir(parents=True)
    md_path = target / "draft-reply.md"
    md_path.write_text(text, encoding="utf-8")
    return md_path, markdown_to_docx(text, target / "draft-reply.docx")


def _remove_old(folder: Path, max_age_s: float = 3600.0) -> None:
    """Delete draft files older than an hour (letters hold personal details)."""
    cutoff = time.time() - max_age_s
    for path in folder.glob("*/draft-reply.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


class WebApp:
    """The handlers behind the page and the API; state lives in gr.State, not here."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.store = FeedbackStore(self.settings.feedback_db)
        self.downloads = Path(tempfile.mkdtemp(prefix="pcc-drafts-"))
        atexit.register(shutil.rmtree, self.downloads, True)
        self._rows: dict[str, tuple[dict, dict]] = {}
        self._rows_of: Any = None  # the Assistant (build) the rows were read from
        self._lock = threading.Lock()

    def rows(self) -> dict[str, tuple[dict, dict]]:
        """Table rows by their verbatim line, for showing a statistic's source row."""
        with self._lock:
            if not self.engine.ready:
                return {}
            try:
                assistant = self.engine.get(0)
            except AssistantError:  # the index is unavailable: no rows to show
                return {}
            if assistant is not self._rows_of:  # first use, or a new build was switched to
                tables = assistant.tables()
                self._rows = {_norm(r["quote"]): (r, t) for t in tables for r in t["rows"]}
                self._rows_of = assistant
            return self._rows

    def ask_dict(self, question: object, history: object) -> dict[str, Any]:
        """The answer contract for one question; bad history is an "invalid" answer."""
        question = question if isinstance(question, str) else ""
        first = first_answer(question, self.engine.router, self.settings.max_question_chars)
        if first is not None:  # danger, distress, a report, bad input: no index needed
            return first.to_dict()
        try:
            earlier = parse_history(history)
        except (ValueError, TypeError, KeyError) as error:
            text = f"The conversation history could not be read: {error}."
            return Answer(question=question, kind="invalid", text=text).to_dict()
        return self.engine.get().ask(question, history=earlier).to_dict()

    def api_ask(self, question: str, history: list[dict] | None = None) -> dict:
        """Answer a question about the report; returns the answer contract as JSON."""
        try:
            return self.ask_dict(question, history)
        except AssistantError as error:
            raise _one_line(error) from None

    def api_draft(self, letter: str) -> dict:
        """Draft a reply to a letter: markdown, questions, references, unanswered questions."""
        try:
            text = letter if isinstance(letter, str) else ""
            return draft_reply(self.engine.get(), text).to_dict()
        except AssistantError as error:
            raise _one_line(error) from None

    def respond(self, message: str, answers: list[dict] | None) -> tuple[Any, ...]:
        """Chat: answer the message with the earlier answers as context."""
        answers = list(answers or [])
        if not str(message or "").strip():
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            answer = self.ask_dict(message, answers)
        except AssistantError as error:
            raise _one_line(error) from None
        answers.append(answer)
        report_url = self.engine.router.wording.report_url
        messages = chat_messages(
            answers, self.rows(), report_url, self.settings.allowed_link_domains(report_url)
        )
        return "", messages, answers, gr.update(visible=False)

    def clear(self) -> tuple[Any, ...]:
        """Chat cleared: forget the conversation (and any pending comment)."""
        return [], None, gr.update(visible=False), ""

    def vote(self, answers: list[dict] | None, data: gr.LikeData) -> tuple[Any, ...]:
        """Store a thumbs up/down for one answer; show the optional comment box."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        answers = answers or []
        vote = {True: "up", False: "down"}.get(data.liked) if isinstance(data.liked, bool) else None
        if vote is None or not 0 <= index // 2 < len(answers):
            return None, gr.update(visible=False), ""
        answer = answers[index // 2]
        item_id = self.store.record(
            answer.get("question", ""), answer.get("kind", ""), answer.get("text", ""), vote
        )
        thumb = "👍" if vote == "up" else "👎"
        note = f"Thank you: your {thumb} is saved. You can add a comment (optional)."
        return item_id, gr.update(visible=True), note

    def comment(self, item_id: int | None, text: str) -> tuple[Any, ...]:
        """Attach the optional comment to the last vote."""
        if item_id is None or not str(text or "").strip():
            return gr.skip(), gr.skip(), gr.skip()
        self.store.set_comment(int(item_id), text)
        return gr.update(visible=False), "", "Thank you: your comment is saved."

    def make_draft(self, letter: str) -> tuple[Any, ...]:
        """Drafting desk: the editable draft, a summary line and the two downloads."""
        try:
            result = draft_reply(self.engine.get(), letter)
        except AssistantError as error:
            raise _one_line(error) from None
        text = result.to_markdown()
        answered = sum(item.answered for item in result.items)
        summary = (
            f"Found {len(result.items)} question(s): {answered} answered from the report, "
            f"{len(result.unanswered)} for staff to handle (listed at the end of the draft). "
            "Nothing has been sent: edit, then copy or download."
        )
        return (text, summary, *self.files(text))

    def files(self, text: str) -> tuple[Any, Any]:
        """Download buttons for the draft as it now stands (edits included)."""
        if not str(text or "").strip():
            return gr.update(visible=False), gr.update(visible=False)
        md_path, docx_path = write_downloads(text, self.downloads)
        return gr.update(value=str(md_path), visible=True), gr.update(
            value=str(docx_path), visible=True
        )

    def status_only(self) -> list[Any]:
        """The status line and its timer (the staff app has no figures to fill)."""
        return [self.engine.status(), gr.Timer(active=not self.engine.ready)]

    def refresh(self) -> list[Any]:
        """Status line, timer and figures: filled once the index is ready."""
        status = self.engine.status()
        if not self.engine.settled:
            return [status, gr.Timer(active=True)] + [gr.skip()] * (3 * MAX_TABLE_SLOTS)
        try:
            tables = ordered_tables(self.engine.get(0).tables())
        except AssistantError:
            tables = []
        updates: list[Any] = [status, gr.Timer(active=False)]
        for i in range(MAX_TABLE_SLOTS):
            updates += slot_updates(tables[i] if i < len(tables) else None)
        return updates


def _chat_tab(web: WebApp) -> None:
    """Citizens' chat: notice, chat with sources under each answer, examples, feedback."""
    gr.Markdown(NOTICE, elem_id="notice")
    answers = gr.State([])
    feedback_id = gr.State(None)
    chatbot = gr.Chatbot(
        label="Questions and answers",
        height=600,
        elem_id="chat",
        layout="bubble",
        latex_delimiters=[],
        allow_tags=False,
        sanitize_html=True,
        buttons=["copy"],
        examples=[{"text": q} for q in EXAMPLES],
        placeholder="Ask about the Annual Report 2016-17, or pick an example.",
    )
    feedback_note = gr.Markdown("", elem_id="feedback-note")
    with gr.Row(visible=False, elem_id="comment-row") as comment_row:
        comment = gr.Textbox(label="Comment on this answer (optional)", max_length=2000, scale=4)
        send_comment = gr.Button("Send comment", scale=1)
    with gr.Row():
        question = gr.Textbox(
            label="Your question",
            placeholder="e.g. How many homicides were there?",
            max_length=web.settings.max_question_chars,
            scale=5,
            elem_id="question",
        )
        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
    chat_out = [question, chatbot, answers, comment_row]
    for trigger in (question.submit, ask.click):
        trigger(web.respond, [question, answers], chat_out, api_visibility="private")

    def pick_example(current: list[dict] | None, data: gr.SelectData) -> tuple[Any, ...]:
        value = data.value if isinstance(data.value, dict) else {}
        return web.respond(str(value.get("text", "")), current)

    chatbot.example_select(pick_example, [answers], chat_out, api_visibility="private")
    chatbot.clear(
        web.clear,
        None,
        [answers, feedback_id, comment_row, feedback_note],
        api_visibility="private",
    )
    chatbot.like(
        web.vote, [answers], [feedback_id, comment_row, feedback_note], api_visibility="private"
    )
    send_comment.click(
        web.comment,
        [feedback_id, comment],
        [comment_row, comment, feedback_note],
        api_visibility="private",
    )


def _draft_tab(web: WebApp) -> None:
    """Staff drafting desk: paste a letter, get an editable draft with references."""
    gr.Markdown(
        "Paste a citizen's letter or email. The desk finds its questions, answers each from "
        "the report with sources, and drafts a reply for you to edit. **Nothing is sent.**"
    )
    letter = gr.Textbox(
        label=f"Letter or email (up to {web.settings.max_letter_chars:,} characters)",
        lines=10,
        max_length=web.settings.max_letter_chars,
        elem_id="letter",
    )
    make = gr.Button("Draft a reply", variant="primary", elem_id="make-draft")
    summary = gr.Markdown("", elem_id="draft-summary")
    draft = gr.Textbox(
        label="Draft reply (editable markdown)",
        lines=24,
        max_lines=120,
        interactive=True,
        buttons=["copy"],
        elem_id="draft",
    )
    with gr.Row():
        md_file = gr.DownloadButton("Download .md", visible=False, elem_id="download-md")
        docx_file = gr.DownloadButton("Download .docx", visible=False, elem_id="download-docx")
    outputs = [draft, summary, md_file, docx_file]
    make.click(web.make_draft, [letter], outputs, api_visibility="private")
    draft.blur(
        web.files, [draft], [md_file, docx_file], api_visibility="private", show_progress="hidden"
    )


def _figures_tab() -> list[Any]:
    """Figures at a glance: a heading, the table and a bar chart per report table."""
    gr.Markdown(
        "Every figure below is printed in the report; each table names its section "
        "and page. Charts leave out total rows."
    )
    components: list[Any] = []
    for i in range(MAX_TABLE_SLOTS):
        components.append(gr.Markdown(visible=False, elem_id=f"table-heading-{i}"))
        components.append(
            gr.Dataframe(interactive=False, visible=False, wrap=True, elem_id=f"table-{i}")
        )
        components.append(gr.BarPlot(visible=False, elem_id=f"chart-{i}", height=360))
    return components


def _evaluation_tab(web: WebApp) -> None:
    """The evaluator's tab (assistant.evaluation.tab), sharing the app's Assistant."""
    try:
        from assistant.evaluation.tab import evaluation_tab
    except ModuleNotFoundError as error:
        if error.name not in ("assistant.evaluation", "assistant.evaluation.tab"):
            raise
        gr.Markdown("The evaluation tab is not available in this version yet.")
        return
    evaluation_tab(web.settings, get_assistant=web.engine.get)


class BodyLimit:
    """ASGI middleware: a request body larger than the limit is refused with 413 before it is
    read into memory (with or without a Content-Length header)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise RequestTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except RequestTooLarge:
            await _refuse(send)


class RequestTooLarge(Exception):
    """A request body went over the limit while it was read."""


async def _refuse(send: Callable) -> None:
    body = b"Request body too large."
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(web: WebApp) -> Any:
    """Title and the engine's status line (with its refresh timer)."""
    gr.Markdown(f"# {TITLE}")
    status = gr.Markdown(web.engine.status(), elem_id="status")
    return status, gr.Timer(1.0)


def build_app(
    settings: Settings, assistant: Any | None = None, opener: Opener = open_assistant
) -> gr.Blocks:
    """The public app (chat and figures); opens the Assistant in the background unless one is
    given. Its staff app, sharing the same engine, is ``build_staff_app(app.web)``."""
    web = WebApp(Engine(settings, assistant, opener).start())
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        status, timer = _header(web)
        with gr.Tab("Ask the report", id="chat"):
            _chat_tab(web)
        with gr.Tab("Figures at a glance", id="figures"):
            figures = _figures_tab()
        for event in (app.load, timer.tick):
            event(
                web.refresh,
                None,
                [status, timer, *figures],
                queue=False,
                api_visibility="private",
                show_progress="hidden",
            )
        gr.api(web.api_ask, api_name="ask")
    app.web = web
    return app


def build_staff_app(web: WebApp) -> gr.Blocks:
    """The staff app: drafting desk and evaluation, served only behind a log-in."""
    with gr.Blocks(title=f"{TITLE} (staff)", analytics_enabled=False) as app:
        status, timer = _header(web)
        with gr.Tab("Drafting desk", id="draft"):
            _draft_tab(web)
        with gr.Tab("Evaluation", id="evaluation"):
            _evaluation_tab(web)
        for event in (app.load, timer.tick):
            event(
                web.status_only,
                None,
                [status, timer],
                queue=False,
                api_visibility="private",
                show_progress="hidden",
            )
        gr.api(web.api_draft, api_name="draft")
    return app


def launch(
    app: gr.Blocks,
    settings: Settings,
    *,
    block: bool = True,
    quiet: bool = False,
    port: int | None = None,
    auth: Any = None,
) -> str:
    """Serve on settings.host (loopback by default) with safe settings; returns the URL."""
    app.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    middleware = [Middleware(BodyLimit, max_bytes=settings.max_request_bytes)]
    _, url, _ = app.launch(
        server_name=settings.host,
        server_port=settings.port if port is None else port,
        share=False,
        show_error=False,
        prevent_thread_lock=not block,
        quiet=quiet,
        css=CSS,
        footer_links=["api"],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        max_file_size="1kb",
        auth=auth,
        auth_message="Staff only: log in with your staff account." if auth else None,
        state_session_capacity=settings.session_capacity,
        app_kwargs={"middleware": middleware},
    )
    return str(url)


def main() -> int:
    """`python ui.py`: serve the public app (and the staff app when staff log-ins are set)
    until interrupted; the index builds in the background. A bad setting or a busy port is
    one line and exit status 1."""
    from assistant.cli import load_settings
    from assistant.staff import checker

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # SIGTERM exits like Ctrl-C, so the drafts' temporary files are removed (atexit) then too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        settings = load_settings()
        check = checker(settings)
        for port in (settings.port, settings.staff_port) if check else (settings.port,):
            _port_is_free(settings.host, port)
        public = build_app(settings)
        print(f"Serving the chat on http://{settings.host}:{settings.port}")
        if check is None:
            print("Staff app not served: set ASSISTANT_STAFF_USERS (assistant staff-password).")
            launch(public, settings)
            return 0
        launch(public, settings, block=False)
        print(f"Serving the staff app on http://{settings.host}:{settings.staff_port}")
        launch(build_staff_app(public.web), settings, port=settings.staff_port, auth=check)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _port_is_free(host: str, port: int) -> None:
    """A one-line AssistantError when another program already listens on the port."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise AssistantError(f"cannot serve on {host}:{port}: {error.strerror}") from None


if __name__ == "__main__":
    raise SystemExit(main())
