"""Index lifecycle on a small corpus: stamp, rebuild when stale, atomic switch, damage."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant import index
from assistant.assistant import Assistant
from assistant.errors import CorpusError, IndexBusyError, IndexDamagedError
from assistant.index import (
    LEASE_PREFIX,
    POINTER,
    add_in_batches,
    current_build,
    ensure_index,
    is_temporary,
    open_built,
)
from assistant.settings import Settings


@pytest.fixture()
def settings(small_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=small_corpus, index_dir=tmp_path / "index")


SESSIONS = "How many sessions did the Speed Watch volunteers run?"


def _builds(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / "builds").iterdir())


def test_first_use_builds_and_stamps_the_index(settings: Settings) -> None:
    stamp, built = ensure_index(settings)
    assert built
    assert set(stamp) >= {
        "corpus_hash",
        "model",
        "chunking",
        "schema_version",
        "built_at",
        "passages",
        "cells",
    }
    assert stamp["cells"] == 2
    assert ensure_index(settings) == (stamp, False)


def test_a_changed_corpus_rebuilds_and_removes_the_old_build(settings: Settings) -> None:
    first, _ = ensure_index(settings)
    old = _builds(settings)
    report = settings.corpus_dir / "mini.txt"
    report.write_text(report.read_text() + "\nA new closing sentence was added.\n")
    second, built = ensure_index(settings)
    assert built and second["corpus_hash"] != first["corpus_hash"]
    assert _builds(settings) != old and len(_builds(settings)) == 1


def test_a_killed_build_leaves_the_served_index_intact(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp, _ = ensure_index(settings)
    pointer = (settings.index_dir / POINTER).read_text()

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("assistant.index._embed_into_chroma", killed)
    with pytest.raises(KeyboardInterrupt):
        ensure_index(settings, force=True)
    assert (settings.index_dir / POINTER).read_text() == pointer
    assert len(_builds(settings)) == 1
    assert open_built(settings).stamp == stamp


def test_a_damaged_pointer_is_rebuilt(settings: Settings) -> None:
    ensure_index(settings)
    (settings.index_dir / POINTER).write_text("{not json")
    _, built = ensure_index(settings)
    assert built
    assert json.loads((settings.index_dir / POINTER).read_text())["build"] in _builds(settings)


def test_assistant_opens_on_a_missing_index_and_cites_the_document(settings: Settings) -> None:
    assistant = Assistant.open(settings)
    answer = assistant.ask("How many sessions did the Speed Watch volunteers run?")
    assert answer.kind == "answer" and "752" in answer.text
    assert answer.citations[0].document == "Mini Report"
    assert "recorded offences across the county" in answer.citations[0].quote


def test_a_second_document_is_ingested_and_named_in_citations(
    settings: Settings, tmp_path: Path
) -> None:
    (settings.corpus_dir / "other.txt").write_text(
        "Opening\n\nThe Neighbourhood Watch scheme ran 31 street meetings in Harlow.\n"
    )
    (settings.corpus_dir / "other.manifest.json").write_text(
        json.dumps(
            {
                "file": "other.txt",
                "title": "Harlow Bulletin",
                "publisher": "Test",
                "period": {"start": "2017-01-01", "end": "2017-12-31"},
                "sections": [{"title": "News", "pages": "1", "starts_at": "Opening"}],
            }
        )
    )
    answer = Assistant.open(settings).ask("How many street meetings did Neighbourhood Watch run?")
    assert "31" in answer.text
    assert answer.citations[0].document == "Harlow Bulletin"


def test_a_missing_corpus_is_one_line(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "nowhere", index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match=r"nowhere: corpus folder not found$"):
        Assistant.open(settings)


def _locked_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (_locked_error(), True),
        (RuntimeError("error returned from database: database is locked"), True),
        (ValueError("Could not connect to a Chroma server. Are you sure it is running?"), True),
        (sqlite3.DatabaseError("file is not a database"), False),
        (sqlite3.OperationalError("no such table: tables"), False),
        (RuntimeError("Failed to get segments"), False),
    ],
    ids=["sqlite-busy", "chroma-locked", "server-down", "not-a-database", "no-table", "gone"],
)
def test_locks_are_temporary_and_damage_is_not(error: Exception, temporary: bool) -> None:
    assert is_temporary(error) is temporary


@pytest.mark.parametrize(
    ("unlock_after_s", "opens"),
    [(0.5, True), (None, False)],
    ids=["lock-released-while-retrying", "lock-held-throughout"],
)
def test_a_locked_statistics_store_is_retried_then_reported_as_temporary(
    settings: Settings, unlock_after_s: float | None, opens: bool
) -> None:
    ensure_index(settings)
    holder = sqlite3.connect(open_built(settings).stats_path, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    if unlock_after_s is not None:
        threading.Timer(unlock_after_s, holder.rollback).start()
    started = time.monotonic()
    try:
        if opens:
            assert Assistant.open(settings).ask("How much was spent on road signs?").text
        else:
            with pytest.raises(IndexBusyError) as caught:
                Assistant.open(settings)
            waited = time.monotonic() - started
            assert settings.index_lock_wait <= waited < 2 * settings.index_lock_wait
            line = str(caught.value)
            assert "\n" not in line and "temporarily unavailable" in line
            assert "damaged" not in line and "ingest" not in line
    finally:
        holder.rollback()
        holder.close()
    assert Assistant.open(settings).stamp == open_built(settings).stamp  # free again: opens


def _dead_pid() -> int:
    """The id of a process that has exited."""
    done = subprocess.Popen([sys.executable, "-c", ""])
    done.wait()
    return done.pid


@pytest.mark.parametrize(
    ("holder", "kept"),
    [("serving assistant", True), ("dead process", False), ("nobody", False)],
)
def test_a_superseded_build_is_kept_while_a_live_process_serves_it(
    settings: Settings, holder: str, kept: bool
) -> None:
    ensure_index(settings)
    old = settings.index_dir / "builds" / current_build(settings)
    serving = Assistant.open(settings) if holder == "serving assistant" else None
    if holder == "dead process":
        (old / f"{LEASE_PREFIX}{_dead_pid()}-stale").write_text("")
    report = settings.corpus_dir / "mini.txt"
    report.write_text(report.read_text().replace("752", "815"))
    _, built = ensure_index(settings)
    assert built and current_build(settings) != old.name
    assert old.is_dir() is kept
    if serving is not None:  # the old build still answers; released, the next ingest drops it
        answer = serving.ask(SESSIONS)
        assert "752" in answer.text
        serving.close()
        ensure_index(settings, force=True)
        assert not old.exists()


GARBAGE = b"not a database, not an archive " * 64


@pytest.mark.parametrize(
    ("part", "damage"),
    [
        ("chroma/chroma.sqlite3", GARBAGE),
        ("chroma/chroma.sqlite3", b""),
        ("statistics.sqlite3", GARBAGE),
        ("statistics.sqlite3", b""),
        ("candidates.npz", GARBAGE),
    ],
    ids=["chroma-garbage", "chroma-emptied", "stats-garbage", "stats-emptied", "candidates"],
)
def test_a_damaged_part_of_the_current_build_is_rebuilt(
    settings: Settings, part: str, damage: bytes
) -> None:
    stamp, _ = ensure_index(settings)
    damaged = settings.index_dir / "builds" / current_build(settings)
    (damaged / part).write_bytes(damage)
    assistant = Assistant.open(settings)
    assert assistant.build != damaged.name and not damaged.exists()
    assert assistant.stamp["corpus_hash"] == stamp["corpus_hash"]
    assert "752" in assistant.ask(SESSIONS).text
    assistant.close()


def test_a_build_damaged_again_after_its_rebuild_is_one_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_index(settings)
    open_built(settings).stats_path.write_bytes(GARBAGE)
    real_build = index.build

    def damaged_build(*args, **kwargs) -> index.BuiltIndex:
        built = real_build(*args, **kwargs)
        built.stats_path.write_bytes(GARBAGE)
        return built

    monkeypatch.setattr(index, "build", damaged_build)
    with pytest.raises(IndexDamagedError) as caught:
        Assistant.open(settings)
    assert str(caught.value).endswith(
        "index is damaged (DatabaseError); run 'assistant ingest --force' to rebuild it"
    )


def _leftover(settings: Settings, kind: str) -> Path:
    """A build folder as a killed ingest leaves it."""
    current = settings.index_dir / "builds" / current_build(settings)
    folder = settings.index_dir / "builds" / f"19990101-000000-{kind}"
    folder.mkdir()
    if kind in ("mid-embedding", "never-switched"):
        shutil.copy(current / "statistics.sqlite3", folder)
        shutil.copytree(current / "chroma", folder / "chroma")
    if kind == "never-switched":
        shutil.copy(current / "stamp.json", folder)
    return folder


@pytest.mark.parametrize("kind", ["empty", "mid-embedding", "never-switched"])
@pytest.mark.parametrize("next_run", ["ingest up to date", "rebuild"])
def test_builds_a_killed_ingest_left_are_removed_by_the_next(
    settings: Settings, kind: str, next_run: str
) -> None:
    ensure_index(settings)
    leftover = _leftover(settings, kind)
    _, built = ensure_index(settings, force=next_run == "rebuild")
    assert built is (next_run == "rebuild")
    assert not leftover.exists()
    assert _builds(settings) == [current_build(settings)]
    assert "752" in Assistant.open(settings).ask(SESSIONS).text


def test_leftovers_are_left_while_another_process_builds(settings: Settings) -> None:
    ensure_index(settings)
    leftover = _leftover(settings, "mid-embedding")
    with index._build_lock(settings.index_dir) as held:  # a build running elsewhere
        assert held
        ensure_index(settings)
        assert leftover.is_dir()
    ensure_index(settings)
    assert not leftover.exists()


class _RecordingCollection:
    """Records each add, as a Chroma collection would receive it (no model needed)."""

    def __init__(self) -> None:
        self.batches: list[dict[str, list]] = []

    def add(self, **columns: list) -> None:
        self.batches.append(columns)


@pytest.mark.parametrize(
    ("records", "batch_size", "sizes"),
    [(12, 5, [5, 5, 2]), (10, 5, [5, 5]), (3, 5, [3]), (0, 5, []), (2, 0, [1, 1])],
    ids=["remainder", "exact", "one-batch", "empty", "zero-size"],
)
def test_records_are_added_in_batches_chroma_accepts(
    records: int, batch_size: int, sizes: list[int]
) -> None:
    """A corpus of 100 reports has more passages than Chroma takes in one add (5,461)."""
    collection = _RecordingCollection()
    ids = [f"p{i}" for i in range(records)]
    add_in_batches(collection, batch_size, ids=ids, documents=[i.upper() for i in ids])
    assert [len(b["ids"]) for b in collection.batches] == sizes
    assert [i for b in collection.batches for i in b["ids"]] == ids
    assert [d for b in collection.batches for d in b["documents"]] == [i.upper() for i in ids]
