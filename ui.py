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
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from starlette.middleware import Middleware

from assistant import Answer, AssistantError, Settings
from assistant.draft import draft_reply, text_to_docx
from assistant.errors import IndexBusyError
from assistant.feedback import FeedbackStore
from assistant.index import current_build
from assistant.intake import first_answer
from assistant.lead import split_lead
from assistant.reader import ReaderBlock, ReaderSection, Sentence, locate, report_sections
from assistant.safety import SERVICE_NUMBERS, SafetyRouter
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
PENDING = "Looking it up…"
# Colours chosen for WCAG 2.2 AA: text at least 4.5:1, controls and focus rings at least 3:1,
# on white and on Gradio's dark mode alike (measured over the rendered page, computed colours,
# by tests/test_ui_views.py). Ratios against white, then against the dark page (#0f0f11).
INK = "#1f2937"  # body text, 14.7:1
ACCENT = "#1d4ed8"  # primary button, selected tab, links, focus ring: 6.7:1
ACCENT_DARK = "#1e3a8a"  # hover and pressed: 10.4:1
MUTED = "#4b5563"  # placeholders, captions, labels: 7.6:1
EDGE = "#6b7280"  # fields' and secondary buttons' edges: 4.8:1
NIGHT_ACCENT = "#93c5fd"  # dark mode: accent, links, focus ring, primary button: 10.6:1
NIGHT_MUTED = "#d4d4d8"  # dark mode: captions, labels, placeholders: 13.0:1
NIGHT_EDGE = "#a1a1aa"  # dark mode: edges: 7.5:1
CSS = f"""
:root {{ --pcc-accent: {ACCENT}; --pcc-muted: {MUTED}; --pcc-edge: {EDGE}; }}
.dark {{ --pcc-accent: {NIGHT_ACCENT}; --pcc-muted: {NIGHT_MUTED}; --pcc-edge: {NIGHT_EDGE};
  --color-accent: {NIGHT_ACCENT}; }}
.banner {{ padding: 0.6em 0.9em; border-radius: 6px; font-weight: 700; margin-bottom: 0.5em; }}
.banner-emergency {{ background: #b00020; color: #ffffff; }}
.banner-report {{ background: #0b4f8a; color: #ffffff; }}
.banner a, .banner a:visited {{ color: #ffffff; text-decoration: underline; }}
#notice {{ border-left: 4px solid #b00020; padding-left: 0.8em; }}
.note-conflict {{ border-left: 4px solid #92400e; padding-left: 0.6em; }}
.pending {{ font-style: italic; }}
.pending::before {{ content: ""; display: inline-block; width: 0.8em; height: 0.8em;
  margin-right: 0.5em; border: 2px solid var(--pcc-accent); border-right-color: transparent;
  border-radius: 50%; animation: spin 1s linear infinite; vertical-align: -0.1em; }}
@keyframes spin {{ to {{ transform: rotate(360deg); }} }}
@media (prefers-reduced-motion: reduce) {{ .pending::before {{ animation: none; }} }}
/* sources under an answer: one line each, opening to the quote or the table row */
.sources {{ margin-top: 0.6em; }}
.sources-title {{ font-weight: 700; margin: 0.2em 0; }}
.answer-lead {{ font-weight: 700; margin: 0 0 0.4em 0; }}
details.source {{ border-top: 1px solid #d1d5db; padding: 0.3em 0; }}
details.source > summary {{ cursor: pointer; overflow-wrap: break-word; }}
.source-body {{ padding: 0.3em 0 0.3em 1em; }}
.source-where {{ color: var(--pcc-muted); font-size: 0.95em; }}
.row-table {{ border-collapse: collapse; margin: 0.3em 0; }}
.row-table caption {{ text-align: left; font-weight: 700; caption-side: top; }}
.row-table th, .row-table td {{ border: 1px solid #d1d5db; padding: 0.2em 0.6em; }}
.row-table th {{ text-align: left; font-weight: normal; }}
.row-table td {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
/* tables never squeeze a number or a word into one letter per line: they scroll sideways */
.table-scroll {{ overflow-x: auto; max-width: 100%; }}
.table-scroll table {{ border-collapse: collapse; }}
.table-scroll th, .table-scroll td {{ border: 1px solid #d1d5db; padding: 0.25em 0.6em;
  text-align: left; vertical-align: top; word-break: normal; overflow-wrap: normal;
  hyphens: none; }}
.table-scroll th {{ min-width: 7em; max-width: 22em; }}
.table-scroll td:not(.num) {{ min-width: 10em; max-width: 22em; }}
.table-scroll td.num {{ text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }}
#chat .message-content, #chat .md {{ overflow-wrap: normal; word-break: normal; }}
#chat table {{ display: block; overflow-x: auto; max-width: 100%; }}
#chat td {{ white-space: nowrap; }}
#chat [data-testid="bot"], #chat [data-testid="user"] {{ scroll-margin-top: 2.6em; }}
#chat .message-content .md {{ opacity: 1 !important; }}  /* Gradio fades replies to 0.8 */
.show-api {{ text-decoration: underline; }}
/* dropdowns draw their edge on a wrapper */
.wrap:has(> .wrap-inner input) {{ border-color: var(--pcc-edge) !important; }}
#tabs button[role="tab"].selected::after {{ height: 3px; }}  /* the selected tab's underline */
/* phones: the chat gives the answer the width of the screen (the page's margins: HEAD) */
@media (max-width: 640px) {{
  #chat .message-row {{ max-width: 100%; margin-left: 6px; margin-right: 6px; }}
}}
/* the report view */
#reader-doc section {{ margin-bottom: 1.5em; }}
#reader-doc .pages {{ color: var(--pcc-muted); font-size: 0.8em; font-weight: normal; }}
#reader-doc .callout {{ font-weight: 700; }}
#reader-doc .footnote {{ font-size: 0.9em; color: var(--pcc-muted); }}
#reader-doc .quote-highlight {{ background: #fde68a; color: #111827; outline: 2px solid #92400e;
  border-radius: 2px; }}
#reader-doc tr.quote-highlight td, #reader-doc tr.quote-highlight th {{ background: #fde68a;
  color: #111827; }}
.reader-back {{ display: inline-block; margin-bottom: 0.8em; }}
/* suggested follow-ups under an answer: links drawn as buttons; clicking one asks it */
.suggestions {{ margin-top: 0.6em; }}
.suggestions-title {{ font-weight: 700; margin: 0.2em 0; }}
ul.suggestion-list {{ list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap;
  gap: 0.4em; }}
ul.suggestion-list li {{ margin: 0; max-width: 100%; }}
a.suggestion {{ display: inline-block; max-width: 100%; padding: 0.3em 0.7em;
  border: 1px solid var(--pcc-edge); border-radius: 1em; color: var(--pcc-accent);
  text-decoration: none; overflow-wrap: break-word; white-space: normal; }}
a.suggestion:hover {{ text-decoration: underline; border-color: var(--pcc-accent); }}
/* a focus ring that shows on every control */
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
summary:focus-visible, [tabindex]:focus-visible, textarea:focus, input:focus {{
  outline: 3px solid var(--pcc-accent) !important; outline-offset: 2px; }}
.banner a:focus-visible {{ outline-color: #ffffff !important; }}  /* on the banner's colour */
"""
# Gradio scopes the css= rules inside @media to the app's content, so the page's own margins
# on a phone are set here, in the page head.
HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container .main { padding-left: 10px !important; padding-right: 10px !important; }
}
</style>"""
# Links to a source's place in the report are plain fragments ("#read=s3-b2-i0+..."): the chat
# sanitiser keeps href and class only. One listener opens the report tab, highlights the
# quoted sentences or row and scrolls them into view; "#go=s3" jumps to a section; "#ask" (a
# suggested follow-up) asks the link's own text as the next question.
JS = """
() => {
  const highlight = "quote-highlight";
  let lastSource = null;
  // Waits until the elements are shown (the tab switch renders a moment after the click).
  function whenShown(find, then, tries = 200) {
    const found = (find() || []).filter((e) => e.checkVisibility());
    if (found.length !== 0) { then(found); return; }
    if (tries > 0) setTimeout(() => whenShown(find, then, tries - 1), 50);
  }
  function openInReport(keys) {
    document.getElementById("reader-tab-button")?.click();
    whenShown(
      () => keys.map((k) => document.getElementById("rd-" + k)).filter(Boolean),
      (targets) => {
        document.querySelectorAll("." + highlight).forEach((e) => e.classList.remove(highlight));
        targets.forEach((e) => e.classList.add(highlight));
        const first = targets[0];
        first.setAttribute("tabindex", "-1");
        first.scrollIntoView({ block: "center" });
        first.focus({ preventScroll: true });
      },
    );
  }
  function jumpTo(key) {
    const section = document.getElementById("rd-" + key);
    const heading = section?.querySelector("h2");
    section?.scrollIntoView({ block: "start" });
    heading?.focus({ preventScroll: true });
  }
  function backToChat() {
    document.getElementById("chat-tab-button")?.click();
    whenShown(() => (lastSource && lastSource.isConnected ? [lastSource] : null), ([link]) => {
      link.scrollIntoView({ block: "center" });
      link.focus({ preventScroll: true });
    }, 20);
  }
  // A suggested follow-up asks its own words as the next question of the conversation.
  function askNext(text) {
    const box = document.querySelector("#question textarea");
    if (!box || !text) return;
    box.value = text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    document.getElementById("ask")?.click();
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.(
      "a[href^='#read='], a[href^='#go='], a[href='#back'], a[href='#ask']");
    if (!link) return;
    event.preventDefault();
    if (link.getAttribute("href") === "#ask") { askNext(link.textContent.trim()); return; }
    const [kind, value] = link.getAttribute("href").slice(1).split("=");
    if (kind === "read") { lastSource = link; openInReport(value.split("+")); }
    else if (kind === "go") jumpTo(value);
    else backToChat();
  }, true);
}
"""


def _scroll_to_last(testid: str, block: str) -> str:
    """Browser code that scrolls the chat's last message of one kind into view, once the
    page has drawn it."""
    return (
        "() => {\n  const show = () => {\n"
        f"    const found = document.querySelectorAll(\"#chat [data-testid='{testid}']\");\n"
        "    const last = found[found.length - 1];\n"
        f'    if (last) last.scrollIntoView({{ block: "{block}" }});\n'
        "  };\n  requestAnimationFrame(() => requestAnimationFrame(show));\n}"
    )


# After an answer arrives: show its start (not the bottom of the chat, where the last source is).
SCROLL_TO_ANSWER = _scroll_to_last("bot", "start")
SCROLL_TO_QUESTION = _scroll_to_last("user", "nearest")


def theme() -> gr.themes.Base:
    """Gradio's default theme with AA contrast: a dark blue accent, darker muted text."""
    blue = gr.themes.Color(
        c50="#eff6ff",
        c100="#dbeafe",
        c200="#bfdbfe",
        c300="#93c5fd",
        c400="#1d4ed8",
        c500=ACCENT,
        c600=ACCENT_DARK,
        c700=ACCENT_DARK,
        c800="#1e3a8a",
        c900="#172554",
        c950="#0f172a",
        name="accessible-blue",
    )
    return gr.themes.Default(primary_hue=blue, font=["system-ui", "sans-serif"]).set(
        body_text_color=INK,
        body_text_color_subdued=MUTED,
        block_label_text_color=MUTED,
        block_title_text_color=INK,
        block_info_text_color=MUTED,
        input_placeholder_color=MUTED,
        link_text_color=ACCENT,
        link_text_color_visited=ACCENT_DARK,
        link_text_color_hover=ACCENT_DARK,
        button_primary_background_fill=ACCENT,
        button_primary_background_fill_hover=ACCENT_DARK,
        button_primary_text_color="#ffffff",
        button_primary_text_color_hover="#ffffff",
        button_border_width="1px",
        button_secondary_text_color=INK,
        button_secondary_border_color=EDGE,  # a visible edge for the button
        button_secondary_border_color_hover=INK,
        input_border_color=EDGE,
        input_border_color_focus=ACCENT,
        color_accent=ACCENT,
        color_accent_soft="#dbeafe",
        # dark mode (the phone or computer asks for it): light accents on the dark page
        body_text_color_subdued_dark=NIGHT_MUTED,
        block_label_text_color_dark=NIGHT_MUTED,
        block_info_text_color_dark=NIGHT_MUTED,
        input_placeholder_color_dark=NIGHT_MUTED,
        link_text_color_dark=NIGHT_ACCENT,
        link_text_color_visited_dark=NIGHT_ACCENT,
        link_text_color_hover_dark="#bfdbfe",
        button_primary_background_fill_dark=NIGHT_ACCENT,
        button_primary_background_fill_hover_dark="#bfdbfe",
        button_primary_text_color_dark="#0f172a",
        button_primary_text_color_hover_dark="#0f172a",
        button_primary_border_color_dark=NIGHT_ACCENT,
        button_secondary_border_color_dark=NIGHT_EDGE,
        input_border_color_dark=NIGHT_EDGE,
        input_border_color_focus_dark=NIGHT_ACCENT,
    )


_CITE = re.compile(r"\[\d+\]")
_NUMERIC = re.compile(r"^[-+–]?[£$]?\(?[\d.,]+\)?%?$")
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


_SERVICE_NUMBER = re.compile(
    r"(?<![\w.,/:=#&-])(" + "|".join(re.escape(n) for n in SERVICE_NUMBERS) + r")(?![\w/]|[.,]\w)"
)


def phone_links(escaped: str) -> str:
    """The service numbers (999, 101, 116 123) in already-escaped text of a routed answer as
    telephone links, so a phone dials them with one tap."""
    return _SERVICE_NUMBER.sub(
        lambda m: f'<a href="tel:{m.group(1).replace(" ", "")}">{m.group(1)}</a>', escaped
    )


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
            return f"**Not available:** {self._error}"
        if self._assistant is not None:
            return "**Ready:** answers come from the Annual Report 2016-17."
        return f"**Getting ready** (the first start builds the index): {self._status}"

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


def html_text(text: object) -> str:
    """Text safe inside an HTML element: shown literally, never rendered or autolinked."""
    return html.escape(str(text), quote=True).replace("://", "&#58;//").replace("@", "&#64;")


def first_words(text: str, limit: int = 9) -> str:
    """The first few words of a quote, for its one-line summary."""
    words = str(text).split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


def row_table(row: dict[str, Any], table: dict[str, Any]) -> str:
    """A statistic's table row drawn once, as a label/value table that fits a phone: the row's
    label as caption, then one line per column (the verbatim row stays in the citation)."""
    label = row.get("label", "")
    caption = f"{row['group']}: {label}" if row.get("group") else label
    lines = "".join(
        f'<tr><th scope="row">{html_text(c)}</th><td>{html_text(row.get("values", {}).get(c, ""))}'
        "</td></tr>"
        for c in table.get("columns", [])
    )
    return (
        f'<table class="row-table"><caption>{html_text(caption)}</caption><tbody>{lines}'
        f"</tbody></table>"
    )


def render_citation(
    citation: dict[str, Any], rows: dict[str, tuple[dict, dict]], anchors: Sequence[str] = ()
) -> str:
    """One source, collapsed to a line (number, section, page, first words), opening to its
    table row or verbatim quote, where it is printed, and a link into the report view."""
    quote = str(citation.get("quote", ""))
    match = rows.get(_norm(quote))
    n, section = int(citation.get("n", 0)), citation.get("section", "")
    pages = citation.get("pages", "")
    if match is not None:
        row, table = match
        gist = f"table row: {row.get('label', '')}"
        body = row_table(row, table)
        where = f"{citation.get('document', '')}, table “{table.get('title', '')}”, page {pages}"
    else:
        gist = f"“{first_words(quote)}”"
        body = f"<blockquote>{html_text(quote)}</blockquote>"
        where = f"{citation.get('document', '')}, {section}, page {pages}"
    link = (
        f' · <a class="open-in-report" href="#read={"+".join(anchors)}">Open in the report</a>'
        if anchors
        else ""
    )
    return (
        f'<details class="source"><summary><strong>[{n}]</strong> {html_text(section)} · '
        f"p. {html_text(pages)} · {html_text(gist)}</summary>"
        f'<div class="source-body">{body}<p class="source-where">{html_text(where)}{link}</p>'
        "</div></details>"
    )


def _norm(text: object) -> str:
    """Whitespace-normalised text, for matching a quote to a table row."""
    return re.sub(r"\s+", " ", str(text)).strip()


Locator = Callable[[dict[str, Any]], list[str]]


def render_answer(
    answer: dict[str, Any],
    rows: dict[str, tuple[dict, dict]],
    report_url: str = "",
    link_domains: tuple[str, ...] = (),
    locate: Locator | None = None,
) -> str:
    """The assistant's chat message: banner, text with [n] markers, conflicts, the sources
    collapsed one line each, then any suggested follow-ups (HTML on one line: markdown leaves
    it as it is)."""
    parts: list[str] = []
    if answer.get("kind") in BANNERS:
        css_class, line = BANNERS[answer["kind"]]
        link = ""
        if answer["kind"] == "report" and report_url:
            href = html.escape(report_url, quote=True)
            link = f' <a href="{href}" target="_blank" rel="noopener noreferrer">Report online</a>'
        line = phone_links(html.escape(line))
        parts.append(f'<div class="{css_class}" role="alert">{line}{link}</div>')
    lead, rest = split_lead(str(answer.get("text", "")))
    if lead:  # the reply's first line on a line of its own, then the evidence
        parts.append(f'<p class="answer-lead">{html_text(lead)}</p>')
    text = linked_text(rest, link_domains)
    parts.append(phone_links(text) if answer.get("kind") in BANNERS else text)
    for conflict in answer.get("conflicts", []):
        summary = str(conflict.get("summary", ""))
        marks = (
            ""
            if _CITE.search(summary)
            else " " + "".join(f"[{int(n)}]" for n in conflict.get("citations", []))
        )
        parts.append(
            '<p class="note-conflict"><strong>Note: the report gives different figures:</strong> '
            f"{html_text(summary)}{marks}</p>"
        )
    citations = answer.get("citations", [])
    if citations:
        sources = "".join(render_citation(c, rows, locate(c) if locate else []) for c in citations)
        title = "Source" if len(citations) == 1 else f"Sources ({len(citations)})"
        parts.append(f'<div class="sources"><p class="sources-title">{title}</p>{sources}</div>')
    suggested = render_suggestions(answer.get("suggestions") or [])
    if suggested:
        parts.append(suggested)
    return "\n\n".join(parts)


SUGGESTIONS_TITLE = "You could also ask"


def render_suggestions(questions: Sequence[object]) -> str:
    """Suggested follow-ups as links (keyboard-reachable, named by their words); clicking one
    asks it (JS: "#ask"). Empty when there are none."""
    items = "".join(
        f'<li><a class="suggestion" href="#ask">{html_text(q)}</a></li>'
        for q in questions
        if str(q).strip()
    )
    if not items:
        return ""
    return (
        f'<div class="suggestions"><p class="suggestions-title">{SUGGESTIONS_TITLE}</p>'
        f'<ul class="suggestion-list">{items}</ul></div>'
    )


def chat_messages(
    answers: list[dict[str, Any]],
    rows: dict,
    report_url: str = "",
    link_domains: tuple[str, ...] = (),
    locate: Locator | None = None,
) -> list[dict[str, str]]:
    """The Chatbot's messages, rebuilt from the answers (user message, reply, ...)."""
    messages: list[dict[str, str]] = []
    for answer in answers:
        messages.append({"role": "user", "content": escape_md(answer.get("question", ""))})
        reply = render_answer(answer, rows, report_url, link_domains, locate)
        messages.append({"role": "assistant", "content": reply})
    return messages


def pending_messages(messages: list[dict[str, Any]] | None, question: str) -> list[dict]:
    """The chat as it stands plus the question just asked and a "looking it up" reply."""
    shown = [m for m in messages or [] if isinstance(m, dict)]
    return [
        *shown,
        {"role": "user", "content": escape_md(question)},
        {"role": "assistant", "content": f'<p class="pending" role="status">{PENDING}</p>'},
    ]


READER_INTRO = (
    "The report as the assistant reads it: split sentences rejoined, repeated paragraphs and "
    "pull quotes left out. Open a source under an answer to see its sentence highlighted here."
)


def reader_html(sections: list[ReaderSection]) -> str:
    """The repaired report by section for the "Read the report" tab: a contents list, then
    each section with every sentence and table row anchored (rd-<anchor>), all escaped."""
    if not sections:
        return "<p>The report is not available yet.</p>"
    contents = "".join(
        f'<li><a href="#go={s.anchor}">{html_text(s.title)}</a> '
        f'<span class="pages">(p. {html_text(s.pages)})</span></li>'
        for s in sections
    )
    body = "".join(_reader_section(s) for s in sections)
    return (
        f'<div id="reader-doc"><a class="reader-back" href="#back">Back to the conversation</a>'
        f"<p>{html_text(READER_INTRO)}</p>"
        f'<nav aria-label="Sections of the report"><h2>Sections</h2><ol>{contents}</ol></nav>'
        f"{body}</div>"
    )


def _reader_section(section: ReaderSection) -> str:
    heading = (
        f'<h2 id="rd-{section.anchor}-h" tabindex="-1">{html_text(section.title)} '
        f'<span class="pages">page {html_text(section.pages)}</span></h2>'
    )
    blocks = "".join(_reader_block(b, section.title) for b in section.blocks)
    labelled = f'id="rd-{section.anchor}" aria-labelledby="rd-{section.anchor}-h"'
    return f"<section {labelled}>{heading}{blocks}</section>"


def _sentences(line: tuple[Sentence, ...]) -> str:
    return " ".join(f'<span id="rd-{s.anchor}">{html_text(s.text)}</span>' for s in line)


def _reader_block(block: ReaderBlock, section: str) -> str:
    if block.kind == "table":
        return table_html(block.header, [(r.anchor, r.cells) for r in block.rows], section)
    if block.kind == "list":
        return "<ul>" + "".join(f"<li>{_sentences(line)}</li>" for line in block.lines) + "</ul>"
    text = " ".join(_sentences(line) for line in block.lines)
    if block.kind == "heading":
        return f"<h3>{text}</h3>"
    if block.kind == "quote":
        return f"<blockquote>{text}</blockquote>"
    return f'<p class="{block.kind}">{text}</p>'


def table_html(header: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]], name: str) -> str:
    """A table in a sideways-scrolling box (cells never wrap a word or number per letter);
    rows given as (anchor, cells), an empty anchor for none."""
    head = "".join(f'<th scope="col">{html_text(c)}</th>' for c in header)
    lines = []
    for anchor, cells in rows:
        row_id = f' id="rd-{anchor}"' if anchor else ""
        tds = "".join(
            f'<td class="num">{html_text(c)}</td>'
            if _NUMERIC.match(str(c))
            else f"<td>{html_text(c)}</td>"
            for c in cells
        )
        lines.append(f"<tr{row_id}>{tds}</tr>")
    label = html_text(f"Table: {name}")
    return (
        f'<div class="table-scroll" role="region" aria-label="{label}" tabindex="0"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    )


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
    rows = [("", [str(v) for v in record]) for record in data.itertuples(index=False)]
    frame = gr.update(
        value=table_html(list(data.columns), rows, table.get("title", "")), visible=True
    )
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
        title=_short(column, 40),
        caption=f"Source: {source}",
        visible=True,
    )
    return [heading, frame, plot]


def write_downloads(text: str, folder: Path) -> tuple[Path, Path]:
    """The (edited) draft as draft-reply.txt and draft-reply.docx in a fresh sub-folder."""
    _remove_old(folder)
    target = folder / uuid.uuid4().hex
    target.mkdir(parents=True)
    txt_path = target / "draft-reply.txt"
    txt_path.write_text(text, encoding="utf-8")
    return txt_path, text_to_docx(text, target / "draft-reply.docx")


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
        PRIVATE_FOLDERS.append(self.downloads)
        atexit.register(shutil.rmtree, self.downloads, True)
        self._rows: dict[str, tuple[dict, dict]] = {}
        self._sections: list[ReaderSection] = []
        self._rows_of: Any = None  # the Assistant (build) the rows and sections were read for
        self._lock = threading.Lock()

    def _views(self) -> tuple[dict[str, tuple[dict, dict]], list[ReaderSection]]:
        """Table rows by their verbatim line (a statistic's source row) and the report's
        sections for reading, read again when a new build is served."""
        with self._lock:
            if not self.engine.ready:
                return {}, []
            try:
                assistant = self.engine.get(0)
            except AssistantError:  # the index is unavailable: no rows to show
                return {}, []
            if assistant is not self._rows_of:  # first use, or a new build was switched to
                tables = assistant.tables()
                self._rows = {_norm(r["quote"]): (r, t) for t in tables for r in t["rows"]}
                self._sections = _read_sections(self.settings)
                self._rows_of = assistant
            return self._rows, self._sections

    def rows(self) -> dict[str, tuple[dict, dict]]:
        """Table rows by their verbatim line, for showing a statistic's source row."""
        return self._views()[0]

    def sections(self) -> list[ReaderSection]:
        """The repaired report by section, as the "Read the report" tab shows it."""
        return self._views()[1]

    def messages(self, answers: list[dict[str, Any]]) -> list[dict[str, str]]:
        """The chat's messages for these answers, sources linked into the report view."""
        rows, sections = self._views()
        report_url = self.engine.router.wording.report_url
        domains = self.settings.allowed_link_domains(report_url)

        def where(citation: dict[str, Any]) -> list[str]:
            return locate(sections, citation)

        return chat_messages(answers, rows, report_url, domains, where)

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

    def api_ask_suggesting(self, question: str, history: list[dict] | None = None) -> dict:
        """The answer contract with "suggestions": follow-up questions the assistant
        answers, from the same table or section ([] under refusals and safety answers)."""
        answer = self.api_ask(question, history)
        try:
            answer["suggestions"] = self.suggestions(answer, parse_history(history))
        except AssistantError as error:
            raise _one_line(error) from None
        return answer

    def suggestions(self, answer: dict[str, Any], earlier: Sequence[Any] = ()) -> list[str]:
        """Follow-ups for one answer (the contract's dict), given the conversation before it;
        [] for refusals and the like."""
        if answer.get("kind") not in ("answer", "statistic"):
            return []  # safety and invalid answers need no index
        return list(self.engine.get().suggest(answer, list(earlier)[-MAX_HISTORY:]))

    def api_draft(self, letter: str) -> dict:
        """Draft a reply to a letter: markdown, questions, references, unanswered questions."""
        try:
            text = letter if isinstance(letter, str) else ""
            return draft_reply(self.engine.get(), text).to_dict()
        except AssistantError as error:
            raise _one_line(error) from None

    def show_question(self, message: str, answers: list[dict] | None) -> tuple[Any, ...]:
        """First step of a question: it shows at once, with a "looking it up" reply (question
        box, chat, the question waiting to be answered)."""
        if not str(message or "").strip():
            return gr.skip(), gr.skip(), None
        shown = pending_messages(self.messages(list(answers or [])), str(message))
        return "", shown, str(message)

    def answer_question(self, waiting: str | None, answers: list[dict] | None) -> tuple[Any, ...]:
        """Second step: the answer, with its suggested follow-ups, replaces "looking it up" (chat,
        answers, comment row, nothing waiting); a one-line error takes its place instead, and is
        not kept."""
        answers = list(answers or [])
        if not str(waiting or "").strip():
            return gr.skip(), gr.skip(), gr.skip(), None
        try:
            answer = self.ask_dict(waiting, answers)
        except AssistantError as error:
            shown = self.messages(answers)
            shown.append({"role": "user", "content": escape_md(waiting)})
            shown.append({"role": "assistant", "content": f"Sorry: {escape_md(error)}"})
            return shown, answers, gr.update(visible=False), None
        answers.append({**answer, "suggestions": self._suggestions_or_none(answer, answers)})
        return self.messages(answers), answers, gr.update(visible=False), None

    def _suggestions_or_none(self, answer: dict[str, Any], earlier: list[dict]) -> list[str]:
        """The follow-ups under a chat answer, in the answer's own step: a later step would
        race the next question and could overwrite its answer. A failure costs the
        follow-ups, never the answer."""
        try:
            return self.suggestions(answer, earlier)
        except AssistantError:
            return []

    def clear(self) -> tuple[Any, ...]:
        """New conversation: forget the answers (and any pending comment), empty the chat."""
        return [], [], None, gr.update(visible=False), "", ""

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
        thumb = "thumbs-up" if vote == "up" else "thumbs-down"
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
        text = result.to_text()  # plain text: what the Copy button copies
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
        txt_path, docx_path = write_downloads(text, self.downloads)
        return gr.update(value=str(txt_path), visible=True), gr.update(
            value=str(docx_path), visible=True
        )

    def status_only(self) -> list[Any]:
        """The status line and its timer (the staff app has no figures to fill)."""
        return [self.engine.status(), gr.Timer(active=not self.engine.ready)]

    def refresh(self) -> list[Any]:
        """Status line, timer, the report view and the figures: filled once the index is
        ready."""
        status = self.engine.status()
        if not self.engine.settled:
            return [status, gr.Timer(active=True)] + [gr.skip()] * (1 + 3 * MAX_TABLE_SLOTS)
        try:
            tables = ordered_tables(self.engine.get(0).tables())
        except AssistantError:
            tables = []
        updates: list[Any] = [status, gr.Timer(active=False), reader_html(self.sections())]
        for i in range(MAX_TABLE_SLOTS):
            updates += slot_updates(tables[i] if i < len(tables) else None)
        return updates


def _read_sections(settings: Settings) -> list[ReaderSection]:
    """The corpus's repaired sections for reading ([] when the corpus cannot be read)."""
    from assistant.corpus import load_corpus

    try:
        return report_sections(load_corpus(settings.corpus_dir))
    except AssistantError as error:
        log.warning("the report view is empty: %s", error)
        return []


def _chat_tab(web: WebApp) -> None:
    """Citizens' chat: notice, chat with sources and suggested follow-ups under each answer,
    examples, feedback; the question shows at once with "looking it up", then the view moves
    to the answer's start, then the follow-ups appear under it."""
    gr.Markdown(NOTICE, elem_id="notice")
    answers = gr.State([])
    waiting = gr.State(None)  # the question shown, being answered
    feedback_id = gr.State(None)
    chatbot = gr.Chatbot(
        label="Questions and answers",
        height=600,
        elem_id="chat",
        layout="bubble",
        autoscroll=False,  # SCROLL_TO_ANSWER shows the start of each answer instead
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
    with gr.Row(elem_id="ask-row"):
        question = gr.Textbox(
            label="Your question",
            placeholder="e.g. How many homicides were there?",
            max_length=web.settings.max_question_chars,
            scale=5,
            min_width=240,  # a phone puts the buttons under the box, not beside a narrow box
            elem_id="question",
        )
        with gr.Column(scale=1, min_width=160):
            ask = gr.Button("Ask", variant="primary", elem_id="ask")
            new = gr.Button("New conversation", variant="secondary", elem_id="new-conversation")

    def pick_example(current: list[dict] | None, data: gr.SelectData) -> tuple[Any, ...]:
        value = data.value if isinstance(data.value, dict) else {}
        return web.show_question(str(value.get("text", "")), current)

    shown = [question, chatbot, waiting]
    answered = [chatbot, answers, comment_row, waiting]
    for asked in (
        question.submit(web.show_question, [question, answers], shown, **_QUICK),
        ask.click(web.show_question, [question, answers], shown, **_QUICK),
        chatbot.example_select(pick_example, [answers], shown, **_QUICK),
    ):
        asked.then(None, js=SCROLL_TO_QUESTION).then(
            web.answer_question,
            [waiting, answers],
            answered,
            api_visibility="private",
            show_progress="hidden",
        ).then(None, js=SCROLL_TO_ANSWER)
    for cleared in (new.click, chatbot.clear):  # the labelled button, and the chat's own
        cleared(
            web.clear,
            None,
            [chatbot, answers, feedback_id, comment_row, feedback_note, question],
            **_QUICK,
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


_QUICK: dict[str, Any] = {"queue": False, "api_visibility": "private", "show_progress": "hidden"}


def _reader_tab() -> Any:
    """Read the report: the repaired report by section; sources open it at their quote."""
    return gr.HTML(
        "<p>The report appears here once the assistant is ready.</p>",
        elem_id="reader",
        js_on_load=None,
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
        label="Draft reply (editable text)",
        lines=24,
        max_lines=120,
        interactive=True,
        buttons=["copy"],
        elem_id="draft",
    )
    with gr.Row():
        md_file = gr.DownloadButton("Download .txt", visible=False, elem_id="download-txt")
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
        components.append(gr.HTML(visible=False, elem_id=f"table-{i}", js_on_load=None))
        components.append(gr.BarPlot(visible=False, elem_id=f"chart-{i}", height=360))
    return components


def _evaluation_tab(
    web: WebApp, reports_dir: Path | None = None, testset: Path | None = None
) -> None:
    """The evaluator's tab (assistant.evaluation.tab), sharing the app's Assistant."""
    try:
        from assistant.evaluation.tab import evaluation_tab
    except ModuleNotFoundError as error:
        if error.name not in ("assistant.evaluation", "assistant.evaluation.tab"):
            raise
        gr.Markdown("The evaluation tab is not available in this version yet.")
        return
    evaluation_tab(
        web.settings, get_assistant=web.engine.get, reports_dir=reports_dir, testset=testset
    )


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
        with gr.Tabs(overflow_behavior="wrap", elem_id="tabs"):  # phones: a second row, no menu
            with gr.Tab("Ask the report", id="chat", elem_id="chat-tab"):
                _chat_tab(web)
            with gr.Tab("Read the report", id="reader", elem_id="reader-tab"):
                reader = _reader_tab()
            with gr.Tab("Figures at a glance", id="figures", elem_id="figures-tab"):
                figures = _figures_tab()
        for event in (app.load, timer.tick):
            event(
                web.refresh,
                None,
                [status, timer, reader, *figures],
                queue=False,
                api_visibility="private",
                show_progress="hidden",
            )
        gr.api(web.api_ask, api_name="ask")
        gr.api(web.api_ask_suggesting, api_name="ask_suggesting")
    app.web = web
    return app


def build_staff_app(
    web: WebApp, reports_dir: Path | None = None, testset: Path | None = None
) -> gr.Blocks:
    """The staff app: drafting desk and evaluation, served only behind a log-in (the
    evaluation's reports folder and test set default to evals/)."""
    with gr.Blocks(title=f"{TITLE} (staff)", analytics_enabled=False) as app:
        status, timer = _header(web)
        with gr.Tabs(overflow_behavior="wrap", elem_id="tabs"):
            with gr.Tab("Drafting desk", id="draft", elem_id="draft-tab"):
                _draft_tab(web)
            with gr.Tab("Evaluation", id="evaluation", elem_id="evaluation-tab"):
                _evaluation_tab(web, reports_dir, testset)
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
        js=JS,
        head=HEAD,
        theme=theme(),
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


# Folders holding what staff wrote (drafted letters): removed when the app stops.
PRIVATE_FOLDERS: list[Path] = []


STOP_GRACE_S = 10.0  # after SIGTERM, the app ends by force if it has not stopped by then


def _stop(*_: Any) -> None:
    """On SIGTERM: remove the private folders now, then exit like Ctrl-C. The SystemExit is
    lost when the signal arrives inside a finaliser (an event loop's __del__: "Exception
    ignored"), and exit waits for threads; so a timer ends the process after STOP_GRACE_S."""
    for folder in PRIVATE_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    timer = threading.Timer(STOP_GRACE_S, os._exit, args=(0,))
    timer.daemon = True
    timer.start()
    sys.exit(0)


def main() -> int:
    """`python ui.py`: serve the public app (and the staff app when staff log-ins are set)
    until interrupted; the index builds in the background. A bad setting or a busy port is
    one line and exit status 1."""
    from assistant.cli import load_settings
    from assistant.staff import checker

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # SIGTERM exits like Ctrl-C; the drafts' folders (personal details) go at once, not only
    # at exit, which waits for background threads (an index build) and may be cut short
    signal.signal(signal.SIGTERM, _stop)
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
