"""Build, stamp and open the index: Chroma collections of passages and sentences + statistics store.

Each build goes into a new folder under index/builds/; index/current.json is switched to it
with an atomic rename only once the build is complete, so a killed build never damages the
index being served. A stamp that no longer matches (corpus, model, chunking, schema) rebuilds.

Every process serving a build holds a lease on it, a file builds/<name>/in-use-<pid>-<token>
taken before it opens the build's collections and store, released when it closes or exits.
A superseded build is deleted only once no live process holds a lease on it (a lease whose
process has died is stale), so another `assistant ingest` never pulls a build from under a
running web app. Folders a killed ingest left are removed by the next ingest or build.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from assistant.corpus import corpus_hash, load_corpus
from assistant.embedding import get_embedder, model_id
from assistant.errors import IndexBusyError, IndexUnavailableError
from assistant.passages import CHUNKING, Passage, screened_passages
from assistant.repair import parse_document
from assistant.settings import Settings
from assistant.tables import Table, extract_tables, screen_tables, write_store
from assistant.untrusted import Flag, patterns_version

SCHEMA_VERSION = 10
# The collections are small (hundreds of vectors): search wide enough to be exact, so the same
# question always finds the same neighbours, whatever else the machine is doing.
HNSW = {"hnsw:space": "cosine", "hnsw:construction_ef": 400, "hnsw:search_ef": 400, "hnsw:M": 32}
POINTER = "current.json"
LEASE_PREFIX = "in-use-"
LEASE_ATTEMPTS = 3  # the pointer switching under an opener again and again: report it busy
# A locked store is retried after 0.1 s, then twice as long each time, until the
# index_lock_wait setting is used up.
FIRST_RETRY_S = 0.1
BACKOFF = 2.0
_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_TEMPORARY_MESSAGES = (
    "database is locked",
    "database table is locked",
    "could not connect to a chroma server",  # restarting: the next attempt may find it
)
FLAGGED = "flagged.json"
Progress = Callable[[str], None]
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltIndex:
    """An index folder ready to serve: its stamp, passages and where its parts live."""

    folder: Path
    stamp: dict[str, Any]
    passages: list[Passage]

    @property
    def stats_path(self) -> Path:
        """The SQLite statistics store."""
        return self.folder / "statistics.sqlite3"

    def collection_name(self, kind: str) -> str:
        """Chroma collection for 'passages' or 'sentences' of this build."""
        return f"{kind}-{self.folder.name}"

    def flagged(self) -> list[Flag]:
        """The sentences this build left out (instructions, untrusted contact details)."""
        try:
            raw = json.loads((self.folder / FLAGGED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [Flag(**f) for f in raw]


def expected_stamp(settings: Settings) -> dict[str, Any]:
    """What an index built now from this corpus and model would be stamped with."""
    from assistant.ranker import definitions_version  # (bm25s: only when a build is checked)

    return {
        "corpus_hash": corpus_hash(load_corpus(settings.corpus_dir)),
        "model": model_id(settings.resolved_model_dir()),
        "chunking": CHUNKING,
        "schema_version": SCHEMA_VERSION,
        "screen": patterns_version(),
        "definitions": definitions_version(),
    }


def chroma_client(settings: Settings, folder: Path) -> Any:
    """Embedded Chroma in the build folder, or the Chroma server when one is configured."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(folder / "chroma"), settings=chroma_settings)


def ensure_index(
    settings: Settings, force: bool = False, progress: Progress | None = None
) -> tuple[dict[str, Any], bool]:
    """Make sure a current index exists; returns its stamp and whether it was built now."""
    wanted = expected_stamp(settings)
    current = _current(settings, wanted)
    if current is not None and not force:
        _tidy_builds(settings)
        return current.stamp, False
    with _build_lock(settings.index_dir):
        current = _current(settings, wanted)
        if current is not None and not force:
            return current.stamp, False
        return build(settings, wanted, progress or (lambda _m: None)).stamp, True


def open_built(settings: Settings, progress: Progress | None = None) -> BuiltIndex:
    """The current index, built first when it is missing, stale or its pointer, stamp or
    passages are damaged (a damaged store or collection is found, and rebuilt, by
    Assistant.open, which opens them)."""
    ensure_index(settings, progress=progress)
    current = _current(settings, expected_stamp(settings))
    if current is None:
        raise IndexUnavailableError(
            f"{settings.index_dir}: index could not be opened after a build"
        )
    return current


def rebuild_damaged(settings: Settings, name: str, progress: Progress | None = None) -> None:
    """Rebuild the index when the damaged build is still the current one (another process
    may have rebuilt it meanwhile); the damaged folder goes once no live lease holds it."""
    with _build_lock(settings.index_dir):
        if current_build(settings) == name:
            build(settings, expected_stamp(settings), progress or (lambda _m: None))


def is_temporary(error: BaseException) -> bool:
    """Whether an error opening the index is a lock held by another process for a moment."""
    if isinstance(error, sqlite3.OperationalError):
        name = getattr(error, "sqlite_errorname", "")
        if name in _SQLITE_BUSY:
            return True
    return any(m in str(error).lower() for m in _TEMPORARY_MESSAGES)


def retry_locked(attempt: Callable[[], T], wait_s: float, where: Path) -> T:
    """attempt(), retried with back-off while its store is locked; IndexBusyError after
    wait_s seconds of locks (any other error is raised as it is)."""
    deadline = time.monotonic() + wait_s
    delay = FIRST_RETRY_S
    while True:
        try:
            return attempt()
        except Exception as error:
            left = deadline - time.monotonic()
            if not is_temporary(error):
                raise
            if left <= 0:
                raise IndexBusyError(
                    f"{where}: index is temporarily unavailable (locked by another process); "
                    "try again in a moment"
                ) from None
            time.sleep(min(delay, left))
            delay *= BACKOFF


_HELD_LEASES: set[Path] = set()  # this process's leases, released at exit at the latest


class Lease:
    """A serving process's claim on one build folder, so no ingest deletes it meanwhile."""

    def __init__(self, folder: Path) -> None:
        self.path: Path | None = folder / f"{LEASE_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            self.path.write_text("")
        except OSError:
            if not folder.is_dir():
                raise  # the build is gone: the caller reads the pointer again
            log.warning("%s: no lease can be written (read-only?); serving without", folder)
            self.path = None
            return
        _HELD_LEASES.add(self.path)

    def release(self) -> None:
        """Give the build up (again is harmless)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            _HELD_LEASES.discard(self.path)
            self.path = None


@atexit.register
def _release_all_leases() -> None:
    """Every lease this process still holds, at exit."""
    for path in list(_HELD_LEASES):
        path.unlink(missing_ok=True)
    _HELD_LEASES.clear()


def leased(folder: Path) -> bool:
    """Whether a live process holds a lease on the build (a dead one's lease is stale)."""
    for lease in folder.glob(f"{LEASE_PREFIX}*"):
        pid = lease.name.removeprefix(LEASE_PREFIX).split("-")[0]
        if pid.isdigit() and _alive(int(pid)):
            return True
    return False


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def current_build(settings: Settings) -> str | None:
    """The build folder's name that current.json points to; None when it is unreadable."""
    try:
        pointer = json.loads((settings.index_dir / POINTER).read_text(encoding="utf-8"))
        return str(pointer["build"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def lease_current(settings: Settings, progress: Progress | None = None) -> tuple[BuiltIndex, Lease]:
    """The current index (built first when missing or stale) with a lease on it: taken before
    its collections and store are opened, then checked against the pointer, so no ingest
    deletes the build meanwhile."""
    for _ in range(LEASE_ATTEMPTS):
        built = open_built(settings, progress)
        try:
            lease = Lease(built.folder)
        except OSError:  # the build was removed under us: read the pointer again
            continue
        if current_build(settings) == built.folder.name and (built.folder / "stamp.json").is_file():
            return built, lease
        lease.release()
    raise IndexBusyError(
        f"{settings.index_dir}: index is temporarily unavailable (it kept switching while "
        "opening); try again in a moment"
    )


def _current(settings: Settings, wanted: dict[str, Any]) -> BuiltIndex | None:
    """The index the pointer names, if it is complete and its stamp matches."""
    name = current_build(settings)
    if name is None:
        return None
    folder = settings.index_dir / "builds" / name
    try:
        stamp = json.loads((folder / "stamp.json").read_text(encoding="utf-8"))
        raw = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        passages = [Passage(**p) for p in raw]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(stamp.get(k) != v for k, v in wanted.items()):
        return None
    if not (folder / "statistics.sqlite3").is_file():
        return None
    return BuiltIndex(folder, stamp, passages)


@contextmanager
def _build_lock(index_dir: Path, wait: bool = True) -> Iterator[bool]:
    """Hold the lock builds take; without waiting, yields False when another process holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _tidy_builds(settings: Settings) -> None:
    """Remove leftover builds when no build is running (one running: leave them be)."""
    with contextlib.suppress(OSError), _build_lock(settings.index_dir, wait=False) as held:
        name = current_build(settings)
        if held and name is not None:  # a read-only index folder: nothing to tidy
            _remove_old_builds(settings, keep=name)


def build(settings: Settings, stamp: dict[str, Any], progress: Progress) -> BuiltIndex:
    """Build a complete index in a new folder, then switch the pointer to it atomically."""
    started = time.perf_counter()
    builds = settings.index_dir / "builds"
    folder = builds / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        progress("Building the index: reading the report...")
        documents = load_corpus(settings.corpus_dir)
        passages, tables, flags = [], [], []
        for doc in documents:
            sections = parse_document(doc)
            doc_passages, doc_flags = screened_passages(doc, sections)
            doc_tables = extract_tables(doc, sections)
            passages += doc_passages
            tables += doc_tables
            flags += doc_flags + screen_tables(doc, doc_tables)
        passages = label_footnotes(passages, tables)
        cells = write_store(folder / "statistics.sqlite3", tables)
        progress(f"Building the index: embedding {len(passages)} passages...")
        built = BuiltIndex(folder, stamp, passages)
        _embed_candidates(settings, built, _embed_into_chroma(settings, built))
        full_stamp = {
            **stamp,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "passages": len(passages),
            "cells": cells,
            "tables": len(tables),
            "flagged": len(flags),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        (folder / "passages.json").write_text(json.dumps([asdict(p) for p in passages]))
        (folder / FLAGGED).write_text(json.dumps([asdict(f) for f in flags], indent=2))
        (folder / "stamp.json").write_text(json.dumps(full_stamp, indent=2))
        _switch_pointer(settings.index_dir, folder.name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _remove_old_builds(settings, keep=folder.name)
    progress(f"Index ready in {full_stamp['build_seconds']} s.")
    return BuiltIndex(folder, full_stamp, passages)


def label_footnotes(passages: list[Passage], tables: list[Table]) -> list[Passage]:
    """A footnote passage is headed by the table rows it qualifies, so questions find it."""
    rows: dict[str, list[str]] = {}
    for table in tables:
        for row in table.rows:
            for marker in row.footnotes:
                if marker in table.footnotes:
                    rows.setdefault(table.footnotes[marker], []).append(row.label)
    return [
        replace(p, heading="; ".join(rows[p.text]))
        if p.kind == "footnote" and p.text in rows
        else p
        for p in passages
    ]


def _embed_into_chroma(settings: Settings, built: BuiltIndex) -> dict[str, list[float]]:
    """Embed passages and sentences into Chroma; returns every vector by id (a passage's id,
    a sentence's "passage-id:n") for the ranker's candidates, so nothing is embedded twice."""
    embedder = get_embedder(settings.resolved_model_dir())
    client = chroma_client(settings, built.folder)
    passages = client.create_collection(
        built.collection_name("passages"),
        embedding_function=None,
        metadata=HNSW,
    )
    passage_vectors = embedder.texts([p.embedding_text() for p in built.passages])
    add_in_batches(
        passages,
        client.get_max_batch_size(),
        ids=[p.id for p in built.passages],
        embeddings=passage_vectors,
        documents=[p.text for p in built.passages],
        metadatas=[
            {"section": p.section, "pages": p.pages, "document": p.document, "kind": p.kind}
            for p in built.passages
        ],
    )
    ids, texts = [], []
    for p in built.passages:
        for i, sentence in enumerate(p.sentences()):
            ids.append(f"{p.id}:{i}")
            texts.append(sentence)
    sentences = client.create_collection(
        built.collection_name("sentences"),
        embedding_function=None,
        metadata=HNSW,
    )
    sentence_vectors = embedder.texts(texts)
    add_in_batches(
        sentences,
        client.get_max_batch_size(),
        ids=ids,
        embeddings=sentence_vectors,
        documents=texts,
    )
    return dict(zip([p.id for p in built.passages], passage_vectors, strict=True)) | dict(
        zip(ids, sentence_vectors, strict=True)
    )


def add_in_batches(collection: Any, batch_size: int, **columns: list[Any]) -> None:
    """Add to a Chroma collection at most batch_size records at a time: Chroma refuses a
    larger batch (5,461 on embedded SQLite here; a corpus of 100 reports has 12,400
    passages)."""
    size = max(batch_size, 1)
    for start in range(0, len(columns["ids"]), size):
        collection.add(**{k: v[start : start + size] for k, v in columns.items()})


def _embed_candidates(settings: Settings, built: BuiltIndex, known: dict[str, list[float]]) -> None:
    """The learned ranker's candidates (sentences and table rows) with their vectors: the
    sentences' and passages' from the build, the rows' embedded here."""
    import numpy as np

    from assistant.ranker import VECTORS_FILE, embed_options, options_for
    from assistant.statistics import StatisticsStore

    options = options_for(built.passages, StatisticsStore.load(built.stats_path))
    embedder = get_embedder(settings.resolved_model_dir())
    np.savez(built.folder / VECTORS_FILE, **embed_options(options, embedder.matrix, known))


def _switch_pointer(index_dir: Path, build_name: str) -> None:
    tmp = index_dir / f"{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"build": build_name}))
    os.replace(tmp, index_dir / POINTER)


def _remove_old_builds(settings: Settings, keep: str) -> None:
    """Delete superseded builds no live process holds a lease on, and partial builds (no
    stamp.json) a killed ingest left; only with the build lock held, so none is running."""
    builds = settings.index_dir / "builds"
    if not builds.is_dir():
        return
    current = current_build(settings)
    for old in builds.iterdir():
        if old.name in (keep, current) or not old.is_dir():
            continue
        if (old / "stamp.json").is_file() and leased(old):
            continue
        _delete_build(settings, old)


def _delete_build(settings: Settings, folder: Path) -> None:
    """A build folder and, on a Chroma server, its collections."""
    if settings.chroma_host:
        client = chroma_client(settings, folder)
        for kind in ("passages", "sentences"):
            with contextlib.suppress(Exception):  # already gone is fine
                client.delete_collection(f"{kind}-{folder.name}")
    shutil.rmtree(folder, ignore_errors=True)
