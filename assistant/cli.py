"""Command line: `assistant ingest | ask | eval | draft | feedback | bench | load | ...`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from assistant.errors import AssistantError
from assistant.settings import Settings

# Sub-commands implemented in other modules: each has configure_parser(p) and run_command(args, s).
EXTERNAL_COMMANDS = {
    "eval": ("assistant.evaluation.cli", "Score the assistant against a test set."),
    "bench": ("assistant.evaluation.bench", "Measure build time, start-up, latency and memory."),
    "load": (
        "assistant.evaluation.load",
        "Many users at once: drive the web app on loopback, report answers per second.",
    ),
    "draft": ("assistant.draft", "Draft a reply to a letter or email, every claim sourced."),
    "feedback": ("assistant.feedback", "Work with thumbs-up/down feedback (export drafts)."),
    "safety": ("assistant.safety_cli", "Fit the safety router's classifier, or score the router."),
    "rank": ("assistant.ranker_fit", "Fit the learned ranker on the test set's tuning part."),
    "staff-password": ("assistant.staff", "Print a hashed staff log-in for ASSISTANT_STAFF_USERS."),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="Build the index and statistics store.")
    ingest.add_argument("--force", action="store_true", help="Rebuild even if up to date.")
    ask = sub.add_parser("ask", help="Ask one question about the report.")
    ask.add_argument("question", help="The question, in quotes ('-' reads it from stdin).")
    ask.add_argument("--json", action="store_true", help="Print the answer contract as JSON.")
    for name, (module, help_text) in EXTERNAL_COMMANDS.items():
        importlib.import_module(module).configure_parser(sub.add_parser(name, help=help_text))
    return parser


def format_answer(answer_dict: dict) -> str:
    """Readable text with the sources under it."""
    lines = [answer_dict["text"]]
    for conflict in answer_dict["conflicts"]:
        lines.append(f"Note: {conflict['summary']}")
    if answer_dict["citations"]:
        lines.append("")
        lines.append("Sources:")
    for c in answer_dict["citations"]:
        lines.append(f"[{c['n']}] {c['document']}, {c['section']}, p. {c['pages']}")
        lines.append(f'    "{c["quote"]}"')
    return "\n".join(lines)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Build (or confirm) the index; list the sentences it left out and why."""
    from assistant.index import ensure_index, open_built

    stamp, built = ensure_index(settings, force=args.force, progress=_progress)
    state = "built" if built else "up to date"
    print(
        f"Index {state}: {stamp['passages']} passages, {stamp['cells']} table cells "
        f"({settings.index_dir})."
    )
    flags = open_built(settings).flagged()
    if flags:
        print(f"Flagged and never quoted ({len(flags)}): document | section | sentence (why)")
    for flag in flags:
        print(f"  {flag.line()}")
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question: input checks and safety routing come before loading anything, so
    a person in danger is told to call 999 even when the index cannot open. Exit status 2
    for input that can't be taken."""
    from assistant.intake import first_answer
    from assistant.safety import SafetyRouter

    question = sys.stdin.read() if args.question == "-" else args.question
    router = SafetyRouter.for_settings(settings)
    answer = first_answer(question, router, settings.max_question_chars)  # rules only: instant
    if answer is None:
        answer = first_answer(question, router.load_classifier(), settings.max_question_chars)
    if answer is None:
        from assistant.assistant import Assistant

        answer = Assistant.open(settings, progress=_progress, router=router).ask(question)
    data = answer.to_dict()
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else format_answer(data))
    return 2 if answer.kind == "invalid" else 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a one-line AssistantError."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "ASSISTANT_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise AssistantError(f"invalid setting {name}: {first['msg']}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; user errors are one line on stderr and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "ingest":
            return run_ingest(args, settings)
        if args.command == "ask":
            return run_ask(args, settings)
        module = importlib.import_module(EXTERNAL_COMMANDS[args.command][0])
        return module.run_command(args, settings)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
