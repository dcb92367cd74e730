"""Soak: 2,000 requests over fresh sessions to the served public app (a separate process on
loopback), whose resident memory must stay flat after warm-up. Bounded; stops by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.errors import AssistantError
from assistant.evaluation.load import ask_api as ask
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 2000
WARM_UP = 200
MAX_GROWTH_MB = 50.0
QUESTIONS = ("", "How many homicides were there?", "   ", "Is crime going up?")

pytestmark = pytest.mark.slow


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_memory_stays_flat_over_2000_fresh_sessions(built_settings, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
        "ASSISTANT_HOST": "127.0.0.1",
        "ASSISTANT_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_TEMP_DIR": str(tmp_path / "gradio"),
    }
    server = subprocess.Popen(
        [sys.executable, "ui.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=60) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if ask(client, url, QUESTIONS[1])["kind"] == "statistic":
                        break
                except (httpx.HTTPError, KeyError, AssistantError):
                    time.sleep(0.5)
            sizes = []
            for i in range(REQUESTS):
                answer = ask(client, url, QUESTIONS[i % len(QUESTIONS)])
                assert answer["kind"] in ("invalid", "statistic", "answer")
                if i == WARM_UP:
                    sizes.append(rss_mb(server.pid))
            sizes.append(rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(30)
    growth = sizes[-1] - sizes[0]
    print(f"RSS after warm-up {sizes[0]:.0f} MB, after {REQUESTS} requests {sizes[-1]:.0f} MB")
    assert growth < MAX_GROWTH_MB, f"memory grew by {growth:.0f} MB"
