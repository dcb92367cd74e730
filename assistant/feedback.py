"""Thumbs-up/down feedback in SQLite beside the index, and its export as draft test cases.

Personal details (emails, phone numbers, postcodes, addresses, stated names) are masked
before anything is written: the database never holds what a citizen typed verbatim.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, InputFileError
from assistant.privacy import mask_personal_details
from assistant.settings import Settings

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 2000
MAX_STORED_CHARS = 20000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    kind TEXT NOT NULL,
    answer TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class FeedbackItem:
    """One stored vote, already masked."""

    id: int
    created_at: str
    question: str
    kind: str
    answer: str
    vote: str
    comment: str


def _clean(text: str, limit: int = MAX_STORED_CHARS) -> str:
    """Masked, trimmed text, cut to a bounded length."""
    return mask_personal_details(str(text or "").strip())[:limit]


class FeedbackStore:
    """The feedback table in one SQLite file (settings.feedback_db)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection with the table created; commits on success."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.execute(_SCHEMA)
            with conn:
                yield conn

    def record(self, question: str, kind: str, answer: str, vote: str, comment: str = "") -> int:
        """Store one vote ("up" or "down"); returns its id."""
        if vote not in VOTES:
            raise AssistantError(f"vote must be one of {', '.join(VOTES)}, not {vote!r}")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            _clean(question),
            str(kind or ""),
            _clean(answer),
            vote,
            _clean(comment, MAX_COMMENT_CHARS),
        )
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, question, kind, answer, vote, comment) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def set_comment(self, item_id: int, comment: str) -> bool:
        """Attach (or replace) the comment of a stored vote; False if no such vote."""
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE feedback SET comment = ? WHERE id = ?",
                (_clean(comment, MAX_COMMENT_CHARS), int(item_id)),
            )
            return cursor.rowcount == 1

    def items(self, vote: str | None = None) -> list[FeedbackItem]:
        """Stored votes, oldest first, optionally only "up" or "down"."""
        query = "SELECT id, created_at, question, kind, answer, vote, comment FROM feedback"
        params: tuple[str, ...] = ()
        if vote is not None:
            query, params = query + " WHERE vote = ?", (vote,)
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY id", params).fetchall()
        return [FeedbackItem(*row) for row in rows]


def draft_case(item: FeedbackItem) -> dict[str, Any]:
    """A thumbs-down item as a test-set case for an evaluator to complete."""
    return {
        "id": f"feedback-{item.id:04d}",
        "category": "feedback",
        "question": item.question,
        "kind": item.kind,
        "must_contain": [],
        "sections": [],
        "answer_given": item.answer,
        "comment": item.comment,
        "created_at": item.created_at,
        "needs_completion": True,
        "note": "Draft from thumbs-down feedback: check kind, fill must_contain and sections.",
    }


def export_lines(store: FeedbackStore) -> list[str]:
    """JSONL lines, one per thumbs-down item."""
    return [json.dumps(draft_case(item), ensure_ascii=False) for item in store.items("down")]


def configure_parser(p: argparse.ArgumentParser) -> None:
    """`assistant feedback export [--out FILE]` and `assistant feedback list`."""
    sub = p.add_subparsers(dest="feedback_command", required=True)
    export = sub.add_parser("export", help="Write thumbs-down items as draft test cases (JSONL).")
    export.add_argument("--out", type=Path, help="Write to this file instead of stdout.")
    sub.add_parser("stats", help="Count stored votes.")


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run a feedback sub-command."""
    store = FeedbackStore(settings.feedback_db)
    if args.feedback_command == "stats":
        up, down = len(store.items("up")), len(store.items("down"))
        print(f"{up} thumbs up, {down} thumbs down ({settings.feedback_db}).")
        return 0
    text = "".join(line + "\n" for line in export_lines(store))
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot write {args.out}: {error.strerror or error}") from error
    print(f"Wrote {text.count(chr(10))} draft cases to {args.out}.", file=sys.stderr)
    return 0
