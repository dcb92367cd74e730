"""Feedback store: masking before writing, comments, export as draft test cases (no model)."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import AssistantError, InputFileError
from assistant.feedback import FeedbackStore, configure_parser, draft_case, run_command
from assistant.settings import Settings

TESTSET_FIELDS = {"id", "category", "question", "kind", "must_contain", "sections"}


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "index" / "feedback.sqlite3")


def raw_rows(store: FeedbackStore) -> list[tuple]:
    """Everything actually written to the SQLite file."""
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT question, answer, vote, comment FROM feedback").fetchall()


@pytest.mark.parametrize(
    ("typed", "secret", "mask"),
    [
        ("email me at jane.doe@example.com about homicides", "jane.doe@example.com", "[email]"),
        ("call me on 07700 900123 please", "07700 900123", "[phone]"),
        ("I live at CM1 1AA, is crime up?", "CM1 1AA", "[postcode]"),
        ("my landline is 01245 123456", "01245 123456", "[phone]"),
    ],
    ids=["email", "mobile", "postcode", "landline"],
)
def test_personal_details_are_masked_before_writing(store, typed, secret, mask):
    item_id = store.record(typed, "answer", f"Answer mentioning {typed}", "down", comment=typed)
    store.set_comment(item_id, f"also {typed}")
    written = " ".join(str(v) for row in raw_rows(store) for v in row)
    assert secret not in written
    assert mask in written


def test_record_stores_question_answer_vote_comment_and_time(store):
    item_id = store.record("How many homicides?", "statistic", "15 homicides [1].", "up", "clear")
    [item] = store.items()
    assert (item.id, item.question, item.kind, item.answer, item.vote, item.comment) == (
        item_id,
        "How many homicides?",
        "statistic",
        "15 homicides [1].",
        "up",
        "clear",
    )
    assert item.created_at.endswith("+00:00")


@pytest.mark.parametrize(
    ("vote", "message"),
    [
        ("maybe", "vote must be one of up, down, not 'maybe'"),
        ("", "vote must be one of up, down, not ''"),
    ],
    ids=["unknown-word", "empty"],
)
def test_bad_vote_is_one_line_error(store, vote, message):
    with pytest.raises(AssistantError) as caught:
        store.record("q", "answer", "a", vote)
    assert str(caught.value) == message


def test_comment_on_missing_vote_is_false(store):
    assert store.set_comment(99, "hello") is False


def test_items_of_missing_database_is_empty_and_creates_nothing(store):
    assert store.items() == []
    assert not store.path.exists()


def _run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="assistant feedback")
    configure_parser(parser)
    return run_command(parser.parse_args(list(argv)), settings)


def _settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


def test_export_writes_thumbs_down_as_draft_cases(tmp_path, capsys):
    settings = _settings(tmp_path)
    store = FeedbackStore(settings.feedback_db)
    store.record("How many homicides?", "statistic", "15 [1].", "up")
    store.record("Is my street safe? (SS1 2AB)", "not_found", "Not covered.", "down", "useless")
    out = tmp_path / "feedback.jsonl"
    assert _run(settings, "export", "--out", str(out)) == 0
    [case] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert case.keys() >= TESTSET_FIELDS
    assert case["category"] == "feedback"
    assert case["question"] == "Is my street safe? ([postcode])"
    assert (case["kind"], case["must_contain"], case["sections"]) == ("not_found", [], [])
    assert (case["answer_given"], case["comment"]) == ("Not covered.", "useless")
    assert case["needs_completion"] is True
    assert "Wrote 1 draft cases to" in capsys.readouterr().err


def test_export_to_stdout_and_stats(tmp_path, capsys):
    settings = _settings(tmp_path)
    FeedbackStore(settings.feedback_db).record("q?", "answer", "a", "down")
    assert _run(settings, "export") == 0
    assert json.loads(capsys.readouterr().out)["id"] == "feedback-0001"
    assert _run(settings, "stats") == 0
    assert capsys.readouterr().out.startswith("0 thumbs up, 1 thumbs down (")


def test_export_to_unwritable_place_is_one_line_error(tmp_path):
    out = tmp_path / "no-such-folder" / "cases.jsonl"
    with pytest.raises(InputFileError) as caught:
        _run(_settings(tmp_path), "export", "--out", str(out))
    assert str(caught.value) == f"cannot write {out}: No such file or directory"


def test_exported_case_is_refused_until_completed_then_loads(store):
    from assistant.evaluation.testset import parse_case

    store.record("Is crime up in Basildon?", "not_found", "Not covered.", "down", "it is!")
    [case] = [draft_case(item) for item in store.items("down")]
    with pytest.raises(InputFileError) as caught:
        parse_case(case, "feedback.jsonl:1")
    assert str(caught.value) == (
        'feedback.jsonl:1: draft case "feedback-0001" still needs completion '
        '(fill kind, must_contain and sections, then delete "needs_completion")'
    )
    completed = {k: v for k, v in case.items() if k != "needs_completion"}
    loaded = parse_case(completed | {"kind": ["answer"], "must_contain": ["8.7"]}, "f:1")
    assert (loaded.id, loaded.category, loaded.kinds) == ("feedback-0001", "feedback", ("answer",))
