"""The index in a Chroma server (`chroma run`), one setting away from the embedded default."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.index import chroma_client, ensure_index, open_built
from assistant.settings import Settings
from tests.conftest import free_port

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Chroma server on a free loopback port, stopped at the end of the module."""
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.skip("the chroma command is not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen(
        [
            str(CHROMA if CHROMA.exists() else "chroma"),
            "run",
            "--path",
            str(data),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the Chroma server did not start")
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture()
def settings(small_corpus: Path, tmp_path: Path, chroma_port: int) -> Settings:
    """Settings whose index lives in the module's Chroma server."""
    return Settings(
        corpus_dir=small_corpus,
        index_dir=tmp_path / "index",
        chroma_host="127.0.0.1",
        chroma_port=chroma_port,
    )


@pytest.mark.slow
def test_index_built_into_a_chroma_server_answers(settings: Settings) -> None:
    answer = Assistant.open(settings).ask("How many sessions did the Speed Watch volunteers run?")
    assert "752" in answer.text
    built = open_built(settings)
    names = {c.name for c in chroma_client(settings, built.folder).list_collections()}
    assert {built.collection_name("passages"), built.collection_name("sentences")} <= names


@pytest.mark.slow
def test_a_rebuild_drops_the_old_collections_from_the_server(settings: Settings) -> None:
    ensure_index(settings)
    old = open_built(settings)
    ensure_index(settings, force=True)
    new = open_built(settings)
    names = {c.name for c in chroma_client(settings, new.folder).list_collections()}
    assert new.collection_name("passages") in names
    assert old.collection_name("passages") not in names
