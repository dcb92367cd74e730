"""`assistant load`: many users at once, through the public web app's API, on loopback.

Starts the public app (`ui.py`) in a process of its own on 127.0.0.1 and a free port, serving
the index the settings name (built first if needed, as `ui.py` does), waits until it answers;
then, for each number of clients (default 1, 4, 16 and 64), runs that many clients at once
for a fixed time, each asking the test set's questions in turn through Gradio's REST API
(`/ask`, a fresh session per call, as a citizen's browser or a script would), and reports
answers per second, latency p50/p95 and errors (failed calls, and answers of no known kind)
per level, and the app's resident memory; then stops the app. Bounded: every level lasts
``--seconds``, every call has a timeout, and the app is stopped in every case. ``--url``
drives an app already running on this machine instead (loopback addresses only).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from assistant.errors import AssistantError, InputFileError
from assistant.evaluation import report
from assistant.evaluation.bench import DEFAULT_TESTSET, bench_meta
from assistant.evaluation.scoring import percentile
from assistant.settings import PROJECT_ROOT, Settings

DEFAULT_CLIENTS = (1, 4, 16, 64)
DEFAULT_SECONDS = 10.0
CALL_TIMEOUT_S = 60.0  # one call; a level's own length bounds the run
START_TIMEOUT_S = 600.0  # the app's first answer (it may build the index first)
KINDS = frozenset({"answer", "statistic", "not_found", "emergency", "report", "invalid"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# The acceptance line of the speed issue: with 16 clients at once.
TARGET = {"clients": 16, "answers_per_s": 30.0, "p95_ms": 1000.0}


def ask_api(client: httpx.Client, url: str, question: str) -> dict[str, Any]:
    """One /ask call through Gradio's REST API (each call a session of its own): the answer
    contract, or AssistantError when the app gives none (an error event, a full queue)."""
    url = url.rstrip("/")
    started = client.post(f"{url}/gradio_api/call/ask", json={"data": [question, None]})
    started.raise_for_status()
    event = started.json()["event_id"]
    with client.stream("GET", f"{url}/gradio_api/call/ask/{event}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                data = json.loads(line[5:])
                if not data:
                    raise AssistantError(f"no answer: {line[:200]}")
                return data[0]
    raise AssistantError("no answer: the event stream ended")


def run_level(url: str, clients: int, seconds: float, questions: list[str]) -> dict[str, Any]:
    """``clients`` clients asking at once for ``seconds``: answers per second, latency and
    errors. Each client starts at a different question and goes round the list."""
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + seconds

    def one_client(start: int) -> None:
        i = start
        with httpx.Client(timeout=CALL_TIMEOUT_S) as client:
            while time.monotonic() < deadline:
                question = questions[i % len(questions)]
                i += 1
                began = time.perf_counter()
                try:
                    kind = ask_api(client, url, question).get("kind")
                except (httpx.HTTPError, AssistantError, ValueError, KeyError) as error:
                    failures.append(f"{type(error).__name__}: {error}"[:200])
                    continue
                if kind not in KINDS:
                    failures.append(f"answer of unknown kind {kind!r}")
                    continue
                latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    step = max(1, len(questions) // clients)
    threads = [
        threading.Thread(target=one_client, args=(k * step,), daemon=True) for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + CALL_TIMEOUT_S + 5)
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "errors": len(failures),
        "first_error": failures[0] if failures else None,
    }


def wait_until_answering(url: str, probe: str, timeout: float = START_TIMEOUT_S) -> None:
    """Return once the app answers ``probe``; AssistantError after ``timeout``."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=CALL_TIMEOUT_S) as client:
        while time.monotonic() < deadline:
            try:
                if ask_api(client, url, probe).get("kind") in KINDS:
                    return
            except (httpx.HTTPError, AssistantError, ValueError, KeyError):
                pass
            time.sleep(0.5)
    raise AssistantError(f"the web app at {url} did not answer within {timeout:.0f} s")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedApp:
    """The public app in a process of its own on loopback, stopped on leaving the block."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._temp = tempfile.TemporaryDirectory(prefix="assistant-load-")
        env = {
            **os.environ,
            "ASSISTANT_INDEX_DIR": str(settings.index_dir),
            "ASSISTANT_HOST": "127.0.0.1",
            "ASSISTANT_PORT": str(self.port),
            "HF_HUB_OFFLINE": "1",
            "GRADIO_TEMP_DIR": str(Path(self._temp.name) / "gradio"),
        }
        env.pop("ASSISTANT_STAFF_USERS", None)  # the citizens' app alone
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "ui.py")],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def rss_mb(self) -> float | None:
        """The app's resident memory now (None once it has stopped)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._temp.cleanup()


def parse_clients(text: str) -> list[int]:
    """'1,4,16,64' -> [1, 4, 16, 64]; a one-line error for anything else."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        levels = []
    if not levels or any(n < 1 or n > 256 for n in levels):
        raise AssistantError(
            f"--clients: expected numbers from 1 to 256 like 1,4,16,64, got {text!r}"
        )
    return levels


def loopback_url(url: str) -> str:
    """The URL without its trailing slash; a one-line error unless it is on this machine."""
    host = urlparse(url).hostname or ""
    if urlparse(url).scheme not in ("http", "https") or host not in LOOPBACK:
        raise AssistantError(f"--url: the load test drives only this machine's apps, got {url!r}")
    return url.rstrip("/")


def load_questions(path: Path) -> list[str]:
    """The test set's questions (short enough to ask through the app), in file order."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputFileError(f"{path}: cannot read ({error.strerror or error})") from None
    questions = []
    for line in lines:
        if line.strip():
            case = json.loads(line)
            if case.get("question") and not case.get("question_repeat"):
                questions.append(str(case["question"]))
    if not questions:
        raise InputFileError(f"{path}: no questions")
    return questions


def load_rows(levels: list[dict[str, Any]]) -> list[list[str]]:
    """Header plus one row per level."""
    rows = [["clients", "answers/s", "p50 ms", "p95 ms", "answers", "errors"]]
    for level in levels:
        rows.append(
            [
                str(level["clients"]),
                f"{level['answers_per_s']:.1f}",
                "-" if level["p50_ms"] is None else f"{level['p50_ms']:.0f}",
                "-" if level["p95_ms"] is None else f"{level['p95_ms']:.0f}",
                str(level["answers"]),
                str(level["errors"]),
            ]
        )
    return rows


def verdict(levels: list[dict[str, Any]]) -> str:
    """Whether the level with the target's number of clients meets it."""
    level = next((x for x in levels if x["clients"] == TARGET["clients"]), None)
    if level is None:
        return f"target not measured (needs {TARGET['clients']} clients)"
    ok = (
        level["answers_per_s"] >= TARGET["answers_per_s"]
        and not level["errors"]
        and level["p95_ms"] is not None
        and level["p95_ms"] < TARGET["p95_ms"]
    )
    return (
        f"{'meets' if ok else 'misses'} the target at {TARGET['clients']} clients "
        f"(at least {TARGET['answers_per_s']:.0f} answers/s, no errors, p95 under "
        f"{TARGET['p95_ms']:.0f} ms)"
    )


def load_markdown(data: dict[str, Any]) -> str:
    """The markdown load-test report."""
    meta = data["meta"]
    return "\n".join(
        [
            f"# Load test {meta['date']}",
            "",
            f"- Commit: `{meta['commit']}`",
            f"- Machine: {meta['machine']}, {meta['cpus']} CPUs",
            f"- App: {data['app']}; each level {data['seconds_per_level']:g} s, test-set "
            f"questions in turn, a fresh session per call",
            f"- App memory after the run: {data['rss_mb'] or '-'} MB",
            f"- Verdict: {data['verdict']}",
            "",
            report.markdown_table(load_rows(data["levels"])),
            "",
        ]
    )


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clients", default="1,4,16,64", help="Clients at once, per level.")
    p.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="Length of a level.")
    p.add_argument("--file", type=Path, default=DEFAULT_TESTSET, help="Questions to ask.")
    p.add_argument("--url", help="Drive an app already running on this machine.")
    p.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Write a markdown + JSON load report (default: yes).",
    )
    p.add_argument("--reports-dir", type=Path, default=report.REPORTS_DIR)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    clients = parse_clients(args.clients)
    if not 0.5 <= args.seconds <= 600:
        raise AssistantError(f"--seconds: expected 0.5 to 600, got {args.seconds:g}")
    questions = load_questions(args.file)
    url = loopback_url(args.url) if args.url else None
    served = None if url else ServedApp(settings)
    try:
        target = url or served.url  # type: ignore[union-attr]
        wait_until_answering(target, questions[0])
        levels = []
        for n in clients:
            levels.append(run_level(target, n, args.seconds, questions))
            done = levels[-1]
            print(
                f"{n} clients: {done['answers_per_s']:.1f} answers/s, p95 {done['p95_ms']} ms, "
                f"{done['errors']} errors",
                flush=True,
            )
        rss = served.rss_mb() if served else None
    finally:
        if served is not None:
            served.__exit__()
    data = {
        "meta": bench_meta(len(questions), 1),
        "app": f"an app already running at {url}" if url else "ui.py on loopback, started for it",
        "seconds_per_level": args.seconds,
        "levels": levels,
        "rss_mb": rss,
        "verdict": verdict(levels),
    }
    print(report.align(load_rows(levels), footer=False))
    print(f"app memory after the run: {rss or '-'} MB; {data['verdict']}")
    if args.report:
        print(f"wrote {report.write_report(data, load_markdown(data), args.reports_dir, 'load')}")
    return 0
