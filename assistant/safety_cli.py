"""`assistant safety fit | score FILE`: fit the router's classifier, score the router."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assistant.errors import InputFileError
from assistant.settings import PROJECT_ROOT, Settings

BANK = PROJECT_ROOT / "evals" / "safety_bank.jsonl"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `assistant safety`."""
    sub = parser.add_subparsers(dest="safety_command", required=True)
    fit = sub.add_parser("fit", help="Fit the classifier on the labelled bank (writes its file).")
    fit.add_argument("--bank", type=Path, default=BANK, help="Labelled JSONL bank.")
    fit.add_argument(
        "--misses", action="store_true", help="List the whole router's cross-validated misses."
    )
    score = sub.add_parser("score", help="Score the router on a labelled JSONL file.")
    score.add_argument("file", type=Path, nargs="?", default=BANK, help="Labelled JSONL file.")
    score.add_argument("--rules-only", action="store_true", help="Without the classifier.")
    score.add_argument("--misses", action="store_true", help="List the messages it got wrong.")


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Fit or score; a bad file is one line."""
    from assistant import safety_classifier as sc

    try:
        rows = sc.read_bank(args.bank if args.safety_command == "fit" else args.file)
    except (OSError, ValueError) as error:
        raise InputFileError(str(error)) from None
    if args.safety_command == "fit":
        return _fit(rows, settings, args.misses)
    from assistant.safety import SafetyRouter

    router = SafetyRouter(None if args.rules_only else settings.resolved_model_dir())
    router.load_classifier()
    if router.problem:
        print(f"classifier unavailable ({router.problem}): rules only")
    result = sc.scores(rows, lambda text: getattr(router.route(text), "label", None))
    print(format_scores(result, show_misses=args.misses))
    return 0


def _fit(rows: list[dict], settings: Settings, misses: bool = False) -> int:
    from assistant import safety_classifier as sc

    embedder = sc.embedder_for(settings.resolved_model_dir())
    fitted = sc.fit(rows, embedder.matrix, settings.safety_piece_veto)
    sc.save(fitted)
    meta = fitted["meta"]
    print(
        f"fitted on {meta['rows']} messages (C={meta['C']}), threshold {meta['threshold']}, "
        f"sentence threshold {meta['piece_threshold']} "
        f"(in a message ordinary whole {meta['sure_piece_threshold']:.4f}; danger or distress "
        f"in a report {meta['report_piece_urgency']})"
    )
    print("cross-validated, classifier alone (5 folds):")
    print(format_scores(sc.scores(rows, _out_of_fold(rows, fitted, None))))
    print("cross-validated, the whole router (rules, lexicon and classifier):")
    print(format_scores(sc.scores(rows, _out_of_fold(rows, fitted, settings)), misses))
    print(f"wrote {sc.MODEL_FILE}")
    return 0


def _out_of_fold(rows: list[dict], fitted: dict, settings: Settings | None) -> Any:
    """Each bank message's label from the classifier fitted without its fold (with the
    rules and the lexicon around it when settings are given)."""
    from assistant import safety
    from assistant import safety_classifier as sc

    threshold = fitted["meta"]["threshold"]
    labels = {}
    pieces = fitted["pieces_out_of_fold"]
    # the policy once, not a router (and its manifests read) per bank message
    policy = safety.SafetyRouter.for_settings(settings).policy if settings else None
    for row, p, piece in zip(rows, fitted["out_of_fold"], pieces, strict=True):
        probs = dict(zip(sc.LABELS, p, strict=True))
        text = row["text"]
        if policy is None:
            labels[text] = sc.decide(probs, threshold)
            continue
        found = safety.decided(
            text,
            lambda probs=probs: probs,
            threshold,
            policy,
            lambda reading, piece=piece: sc.piece_label(piece, fitted["meta"], reading),
        )
        labels[text] = found.label if found else None
    return labels.__getitem__


def format_scores(result: dict[str, dict], show_misses: bool = False) -> str:
    """One line per label: recall, or false routing for ordinary messages."""
    lines = []
    for label, s in result.items():
        if label == "none":
            lines.append(
                f"  none      n={s['n']:4d}  routed by mistake {100 * s['false_routing']:.1f}%"
            )
        else:
            lines.append(f"  {label:9s} n={s['n']:4d}  recall {100 * s['recall']:.1f}%")
        if show_misses:
            lines += [f"      miss: {text[:100]}" for text in s["misses"]]
    return "\n".join(lines)
