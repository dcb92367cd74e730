"""`assistant eval --compare`: a stock LlamaIndex pipeline on the same cases, side by side.

Stock means the defaults a tutorial would use: `SentenceSplitter()` over the report text read
from the corpus, a `VectorStoreIndex` embedded with the same bundled MiniLM model
(`HuggingFaceEmbedding`, offline), top-k 2, and no LLM (`Settings.llm = None`, retriever only).
It cannot answer or refuse, so the question is only whether its retrieved context even
contains the expected facts, and how long it takes compared with our full answer.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.evaluation.scoring import CaseResult, percentile
from assistant.evaluation.testset import Case, missing_facts
from assistant.settings import Settings

TOP_K = 2
MIN_RATIO_MS = 1.0  # below this our answer is a fixed reply; a ratio would mean nothing
DESCRIPTION = (
    "Stock LlamaIndex: SentenceSplitter defaults, VectorStoreIndex over the bundled MiniLM "
    f"model, top-k {TOP_K}, no LLM (retriever only); it never refuses. 'stock facts' = its "
    "retrieved context contains every expected fact; 'our facts' = our answer text does. "
    "Latency ratio = stock p50 / our p50."
)


@dataclass(frozen=True)
class StockResult:
    """One case through the stock retriever."""

    id: str
    category: str
    facts_in_context: bool | None
    latency_ms: float | None


def stock_retriever(settings: Settings) -> Any:
    """Build the stock LlamaIndex retriever over the corpus (in memory, about 10 s)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from assistant.corpus import load_corpus

    with contextlib.redirect_stdout(io.StringIO()):  # "LLM is explicitly disabled" notice
        LlamaSettings.llm = None
    documents = [
        Document(text=d.text, metadata={"title": d.title}) for d in load_corpus(settings.corpus_dir)
    ]
    nodes = SentenceSplitter().get_nodes_from_documents(documents)
    embed = HuggingFaceEmbedding(model_name=str(settings.resolved_model_dir()))
    return VectorStoreIndex(nodes, embed_model=embed).as_retriever(similarity_top_k=TOP_K)


def run_stock(retriever: Any, cases: Sequence[Case]) -> list[StockResult]:
    """Retrieve for every case (question as typed, no history) after one warm-up query."""
    retriever.retrieve(next((c.full_question for c in cases if c.full_question.strip()), "report"))
    results = []
    for case in cases:
        if not case.full_question.strip():
            results.append(StockResult(case.id, case.category, None, None))
            continue
        started = time.perf_counter()
        nodes = retriever.retrieve(case.full_question)
        latency = (time.perf_counter() - started) * 1000
        context = "\n".join(n.node.get_content() for n in nodes)
        facts = (
            not missing_facts(context, case.must_contain)
            if case.in_scope and case.must_contain
            else None
        )
        results.append(StockResult(case.id, case.category, facts, round(latency, 3)))
    return results


def _group(ours: Sequence[CaseResult], stock: Sequence[StockResult]) -> dict[str, Any]:
    """Comparison figures for one group of cases."""
    facts_ids = {s.id for s in stock if s.facts_in_context is not None}
    stock_p50 = percentile([s.latency_ms for s in stock if s.latency_ms is not None], 50)
    ours_p50 = percentile([r.latency_ms for r in ours if not r.error], 50)
    with_facts = [s for s in stock if s.id in facts_ids]
    ours_facts = [not r.missing for r in ours if r.id in facts_ids]
    return {
        "cases": len(ours),
        "cases_with_facts": len(with_facts),
        "stock_facts": round(sum(s.facts_in_context for s in with_facts) / len(with_facts), 4)
        if with_facts
        else None,
        "our_facts": round(sum(ours_facts) / len(ours_facts), 4) if ours_facts else None,
        "stock_p50_ms": None if stock_p50 is None else round(stock_p50, 2),
        "our_p50_ms": None if ours_p50 is None else round(ours_p50, 2),
        "latency_ratio": round(stock_p50 / ours_p50, 2)
        if stock_p50 and ours_p50 and ours_p50 >= MIN_RATIO_MS
        else None,
    }


def comparison(ours: Sequence[CaseResult], stock: Sequence[StockResult]) -> dict[str, Any]:
    """Per-category and overall comparison of our run with the stock run."""
    categories: dict[str, Any] = {}
    for name in dict.fromkeys(r.category for r in ours):
        categories[name] = _group(
            [r for r in ours if r.category == name], [s for s in stock if s.category == name]
        )
    return {"description": DESCRIPTION, "categories": categories, "overall": _group(ours, stock)}


def comparison_rows(data: dict[str, Any]) -> list[list[str]]:
    """Header plus one row per category and overall, as display strings."""

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v * 100:.1f}%"

    def num(v: float | None, suffix: str = "") -> str:
        return "-" if v is None else f"{v:.1f}{suffix}"

    rows = [
        [
            "category",
            "n",
            "with facts",
            "stock facts",
            "our facts",
            "stock p50 ms",
            "our p50 ms",
            "latency ratio",
        ]
    ]
    for name, g in [*data["categories"].items(), ("overall", data["overall"])]:
        rows.append(
            [
                name,
                str(g["cases"]),
                str(g["cases_with_facts"]),
                pct(g["stock_facts"]),
                pct(g["our_facts"]),
                num(g["stock_p50_ms"]),
                num(g["our_p50_ms"]),
                num(g["latency_ratio"], "x"),
            ]
        )
    return rows
