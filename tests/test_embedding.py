"""The embedder runs the bundled model with transformers directly: its vectors must be the
ones sentence-transformers gives for the same model folder (the index was built with them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import get_embedder
from assistant.settings import Settings


def test_vectors_match_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    model_dir = Settings().resolved_model_dir()
    texts = [
        "How many police officers are there?",
        "my husband hit me last night",
        "word " * 400,  # longer than the model's limit: cut the same way
    ]
    ours = get_embedder(model_dir).matrix(texts)
    theirs = SentenceTransformer(str(model_dir), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-5
    one = np.asarray(get_embedder(model_dir).query(texts[0]))
    assert np.abs(one - theirs[0]).max() < 1e-5


def test_onnx_runtime_gives_the_torch_vectors() -> None:
    from assistant.embedding import Embedder

    model_dir = Settings().resolved_model_dir()
    onnx = Embedder(model_dir, Settings().model_cache_dir)
    plain = Embedder(model_dir)
    assert (onnx.backend, plain.backend) == ("onnx", "torch")
    texts = ["hi", "there is a man at my door with a knife right now", "word " * 400]
    assert np.abs(onnx.matrix(texts) - plain.matrix(texts)).max() < 1e-5  # padded batch
    for text in texts:  # one at a time, each its own length
        assert np.abs(np.asarray(onnx.query(text)) - np.asarray(plain.query(text))).max() < 1e-5


def test_without_an_onnx_export_torch_serves(tmp_path: Path) -> None:
    from assistant.embedding import Embedder

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    embedder = Embedder(Settings().resolved_model_dir(), blocked)
    assert embedder.backend == "torch"
    assert len(embedder.query("How many police officers are there?")) == 384


def test_the_tokenizers_library_gives_transformers_token_ids() -> None:
    from assistant.embedding import Embedder

    embedder = Embedder(Settings().resolved_model_dir())
    texts = ["How many PCSOs?", "", "Żółć “quotes” £5m 8.7%", "word " * 400, "my mum's been hit"]
    ours = embedder._batch_np(texts)
    theirs = embedder._tokenizer(
        texts, padding=True, truncation=True, max_length=embedder._max_length, return_tensors="np"
    )
    for key, value in ours.items():
        assert value.shape == theirs[key].shape and (value == theirs[key]).all(), key


def test_serving_on_onnx_runtime_never_imports_torch() -> None:
    import subprocess
    import sys

    from assistant.embedding import Embedder

    settings = Settings()
    Embedder(settings.resolved_model_dir(), settings.model_cache_dir)  # the export exists
    code = (
        "import sys; from assistant.embedding import get_embedder; "
        "from assistant.settings import Settings; "
        "e = get_embedder(Settings().resolved_model_dir()); e.query('hello'); "
        "print(e.backend, 'torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["onnx", "False"]


def _full_export_in(folder: Path) -> Path:
    """A cache folder holding the model's full ONNX export only; the model folder."""
    import shutil

    from assistant.embedding import INT8, Embedder

    settings = Settings()
    model_dir = settings.resolved_model_dir()
    Embedder(model_dir, settings.model_cache_dir)  # the full export exists
    for export in settings.model_cache_dir.glob("*.onnx"):
        if not export.stem.endswith(INT8):
            shutil.copy(export, folder / export.name)
    return model_dir


def test_the_int8_copy_is_made_beside_the_export_and_gives_nearly_the_same_vectors(
    tmp_path: Path,
) -> None:
    from assistant.embedding import INT8, Embedder

    model_dir = _full_export_in(tmp_path)
    full = Embedder(model_dir, tmp_path)
    int8 = Embedder(model_dir, tmp_path, quantized=True)
    assert (full.backend, int8.backend) == ("onnx", "onnx-int8")
    assert len(list(tmp_path.glob(f"*{INT8}.onnx"))) == 1
    texts = ["How many PCSOs are there?", "someone is kicking my door in right now", "word " * 300]
    cosines = (full.matrix(texts) * int8.matrix(texts)).sum(axis=1)
    assert cosines.min() > 0.95 and not np.allclose(cosines, 1.0, atol=1e-6)


def test_without_an_int8_copy_the_full_model_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import embedding

    model_dir = _full_export_in(tmp_path)

    def refuse(path: Path, int8: Path) -> None:
        raise OSError("no room for the int8 copy")

    monkeypatch.setattr(embedding, "_quantize", refuse)
    served = embedding.Embedder(model_dir, tmp_path, quantized=True)
    assert served.backend == "onnx"
    assert not list(tmp_path.glob(f"*{embedding.INT8}.onnx"))


def test_the_safety_router_reads_messages_with_the_int8_copy() -> None:
    from assistant.safety import SafetyRouter

    router = SafetyRouter.for_settings(Settings()).load_classifier()
    assert router.classifier is not None
    embed = router.classifier.embed
    assert getattr(embed, "__self__", None) is not None
    assert embed.__self__.backend == "onnx-int8"


def test_when_serving_one_thread_per_query_the_routers_long_messages_run_on_every_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant import embedding

    settings = Settings()
    monkeypatch.setattr(embedding, "CORES", 2)
    monkeypatch.setattr(embedding, "_threads", 1)  # as serve_one_query_per_core leaves it
    router = embedding.Embedder(settings.resolved_model_dir(), settings.model_cache_dir, True)
    answers = embedding.Embedder(settings.resolved_model_dir(), settings.model_cache_dir)
    short, long = "help", "there is a man outside my flat with a knife shouting " * 8
    assert router._session_for(len(router._fast.encode(short).ids)) is router._session
    assert router._wide is None  # short messages keep their one thread
    vector = router.matrix([long])[0]
    assert router._wide is not None and router._wide is not router._session
    assert router._wide.get_session_options().intra_op_num_threads == 2
    assert answers._session_for(10_000) is answers._session  # only the router's model widens
    one = embedding.Embedder(settings.resolved_model_dir(), settings.model_cache_dir, True)
    one._wide_from = None
    assert np.allclose(vector, one.matrix([long])[0], atol=1e-5)  # the same vectors
