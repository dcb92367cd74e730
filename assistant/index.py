"""Build, stamp and open the index: Chroma collections of passages and sentences + statistics store.

Each build goes into a new folder under index/builds/; index/current.json is switched to it
with an atomic rename only once the build is complete, so a killed build never damages the
index being served. A stamp that no longer matches (corpus, model, chunking, schema) rebuilds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.corpus import corpus_hash, load_corpus
from assistant.embedding import get_embedder, model_id
from assistant.errors import IndexUnavailableError
from assistant.passages import CHUNKING, Passage, screened_passages
from assistant.repair import parse_document
from assistant.settings import Settings
from assistant.tables import Table, extract_tables, screen_tables, write_store
from assistant.untrusted import Flag, patterns_version

SCHEMA_VERSION = 7
# The collections are small (hundreds of vectors): search wide enough to be exact, so the same
# question always finds the same neighbours, whatever else the machine is doing.
HNSW = {"hnsw:space": "cosine", "hnsw:construction_ef": 400, "hnsw:search_ef": 400, "hnsw:M": 32}
POINTER = "current.json"
FLAGGED = "flagged.json"
Progress = Callable[[str], None]


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
    return {
        "corpus_hash": corpus_hash(load_corpus(settings.corpus_dir)),
        "model": model_id(settings.resolved_model_dir()),
        "chunking": CHUNKING,
        "schema_version": SCHEMA_VERSION,
        "screen": patterns_version(),
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
        return current.stamp, False
    with _build_lock(settings.index_dir):
        current = _current(settings, wanted)
        if current is not None and not force:
            return current.stamp, False
        return build(settings, wanted, progress or (lambda _m: None)).stamp, True


def open_built(settings: Settings, progress: Progress | None = None) -> BuiltIndex:
    """The current index, built first when it is missing, stale or damaged."""
    ensure_index(settings, progress=progress)
    current = _current(settings, expected_stamp(settings))
    if current is None:
        raise IndexUnavailableError(
            f"{settings.index_dir}: index could not be opened after a build"
        )
    return current


def _current(settings: Settings, wanted: dict[str, Any]) -> BuiltIndex | None:
    """The index the pointer names, if it is complete and its stamp matches."""
    try:
        pointer = json.loads((settings.index_dir / POINTER).read_text(encoding="utf-8"))
        folder = settings.index_dir / "builds" / pointer["build"]
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
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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
        _embed_into_chroma(settings, built)
        _embed_candidates(settings, built)
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


def _embed_into_chroma(settings: Settings, built: BuiltIndex) -> None:
    embedder = get_embedder(settings.resolved_model_dir())
    client = chroma_client(settings, built.folder)
    passages = client.create_collection(
        built.collection_name("passages"),
        embedding_function=None,
        metadata=HNSW,
    )
    passages.add(
        ids=[p.id for p in built.passages],
        embeddings=embedder.texts([p.embedding_text() for p in built.passages]),
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
    sentences.add(ids=ids, embeddings=embedder.texts(texts), documents=texts)


def _embed_candidates(settings: Settings, built: BuiltIndex) -> None:
    """The learned ranker's candidates (sentences and table rows), embedded once, here."""
    import numpy as np

    from assistant.ranker import VECTORS_FILE, embed_options, options_for
    from assistant.statistics import StatisticsStore

    options = options_for(built.passages, StatisticsStore.load(built.stats_path))
    embedder = get_embedder(settings.resolved_model_dir())
    np.savez(built.folder / VECTORS_FILE, **embed_options(options, embedder.matrix))


def _switch_pointer(index_dir: Path, build_name: str) -> None:
    tmp = index_dir / f"{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"build": build_name}))
    os.replace(tmp, index_dir / POINTER)


def _remove_old_builds(settings: Settings, keep: str) -> None:
    """Delete superseded builds (and, on a Chroma server, their collections)."""
    for old in (settings.index_dir / "builds").iterdir():
        if old.name == keep or not (old / "stamp.json").is_file():
            continue
        if settings.chroma_host:
            client = chroma_client(settings, old)
            for kind in ("passages", "sentences"):
                with contextlib.suppress(Exception):  # already gone is fine
                    client.delete_collection(f"{kind}-{old.name}")
        shutil.rmtree(old, ignore_errors=True)
