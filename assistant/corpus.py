"""Load the report files and their manifests from corpus/; validate them."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError
from assistant.text import normalise

MANIFEST_SUFFIX = ".manifest.json"
_PAGES = re.compile(r"^\d+(-\d+)?$")


@dataclass(frozen=True)
class SectionSpec:
    """A section as the manifest gives it: title, page range, and the text it starts with."""

    title: str
    pages: str
    starts_at: str


@dataclass(frozen=True)
class Document:
    """One report: its manifest fields and its text exactly as published."""

    path: Path
    title: str
    full_title: str
    publisher: str
    period_label: str
    period_start: str
    period_end: str
    sections: tuple[SectionSpec, ...]
    text: str
    author: str = ""
    author_quote: str = ""
    trusted: bool = False  # the organisation's own document: its contact details may be quoted


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every document with a manifest in corpus_dir, in file-name order."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    manifests = sorted(corpus_dir.glob(f"*{MANIFEST_SUFFIX}"))
    if not manifests:
        raise CorpusError(f"{corpus_dir}: no *{MANIFEST_SUFFIX} file in the corpus folder")
    documents = [load_document(path) for path in manifests]
    titles = [d.title for d in documents]
    for title in titles:
        if titles.count(title) > 1:
            raise CorpusError(f"{corpus_dir}: two manifests share the title {title!r}")
    return documents


def load_document(manifest_path: Path) -> Document:
    """One manifest and the report file it names, checked field by field."""
    data = _read_manifest(manifest_path)
    text_path = manifest_path.parent / _field(data, "file", str, manifest_path)
    try:
        text = text_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{manifest_path}: report file {text_path.name} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{text_path}: cannot read report as UTF-8 text ({error})") from None
    period = _field(data, "period", dict, manifest_path)
    sections = tuple(
        _section(s, i, manifest_path)
        for i, s in enumerate(_field(data, "sections", list, manifest_path))
    )
    if not sections:
        raise CorpusError(f"{manifest_path}: 'sections' is empty")
    return Document(
        path=text_path,
        title=_field(data, "title", str, manifest_path),
        full_title=str(data.get("full_title") or data["title"]),
        publisher=_field(data, "publisher", str, manifest_path),
        period_label=str(period.get("label", "")),
        period_start=str(period.get("start", "")),
        period_end=str(period.get("end", "")),
        sections=sections,
        text=text,
        author_quote=_author_quote(data, text, manifest_path),
        author=str(data["author"]["name"]) if data.get("author") else "",
        trusted=_trusted(data, manifest_path),
    )


def manifest_names(corpus_dir: Path) -> tuple[list[str], list[str]]:
    """The full titles and the publishers the manifests give (read without the reports
    themselves); empty lists when none can be read."""
    titles, publishers = [], []
    try:
        paths = sorted(Path(corpus_dir).glob(f"*{MANIFEST_SUFFIX}"))
    except OSError:
        return [], []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            title = data.get("full_title") or data.get("title")
            if isinstance(title, str) and title:
                titles.append(title)
            if isinstance(data.get("publisher"), str) and data["publisher"]:
                publishers.append(data["publisher"])
    return titles, publishers


def police_contact(corpus_dir: Path) -> tuple[str, str]:
    """The police force named by the reports' manifests ("police": {"name", "report_online"})
    for the fixed 101 wording; ("", "") when no readable manifest names one. Never raises: the
    safety router asks this before (and without) anything else working."""
    try:
        paths = sorted(Path(corpus_dir).glob("*.manifest.json"))
    except OSError:
        return "", ""
    for path in paths:
        try:
            police = json.loads(path.read_text(encoding="utf-8")).get("police") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(police, dict) and isinstance(police.get("name"), str):
            url = police.get("report_online")
            return police["name"], url if isinstance(url, str) else ""
    return "", ""


def area_words(corpus_dir: Path, documents: list[Document]) -> frozenset[str]:
    """Words naming the reports' own area: those the police force's name (manifest field
    'police') shares with a publisher's name ("X Police", "Commissioner for X": x). A question
    that says "in X" asks nothing narrower than the report itself."""
    force, _ = police_contact(corpus_dir)
    named = set(re.findall(r"[a-z]+", force.lower())) - FORCE_WORDS
    published = {w for d in documents for w in re.findall(r"[a-z]+", d.publisher.lower())}
    return frozenset(named & published)


FORCE_WORDS = frozenset({"police", "constabulary", "service", "force", "and", "of", "the"})


def _trusted(data: dict[str, Any], path: Path) -> bool:
    """The optional 'trusted' flag (default false): true or false, nothing else."""
    value = data.get("trusted", False)
    if not isinstance(value, bool):
        raise CorpusError(f"{path}: field 'trusted' must be true or false")
    return value


def _author_quote(data: dict[str, Any], text: str, path: Path) -> str:
    """The report's own words naming its author ("I" in the text), checked to be verbatim."""
    author = data.get("author")
    if author is None:
        return ""
    if not isinstance(author, dict) or not author.get("name") or not author.get("quote"):
        raise CorpusError(f"{path}: 'author' needs a 'name' and a 'quote'")
    quote = normalise(str(author["quote"]))
    if quote not in normalise(text):
        raise CorpusError(f"{path}: author quote {author['quote']!r} is not in the report")
    return quote


def corpus_hash(documents: list[Document]) -> str:
    """Hash of every report text and manifest field: changes when anything would."""
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.text.encode("utf-8"))
        digest.update(
            repr(
                (
                    doc.title,
                    doc.publisher,
                    doc.period_label,
                    doc.sections,
                    doc.author,
                    doc.author_quote,
                    doc.trusted,
                )
            ).encode()
        )
    return digest.hexdigest()[:16]


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read manifest ({error})") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: manifest must be a JSON object")
    return data


def _field(data: dict[str, Any], name: str, kind: type, path: Path) -> Any:
    value = data.get(name)
    if value is None:
        raise CorpusError(f"{path}: missing field {name!r}")
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise CorpusError(f"{path}: field {name!r} must be a non-empty {kind.__name__}")
    return value


def _section(raw: Any, i: int, path: Path) -> SectionSpec:
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: sections[{i}] must be an object")
    spec = SectionSpec(
        title=_field(raw, "title", str, path),
        pages=str(_field(raw, "pages", str, path)).replace(" ", ""),
        starts_at=_field(raw, "starts_at", str, path),
    )
    if not _PAGES.match(spec.pages):
        raise CorpusError(f"{path}: sections[{i}] pages {spec.pages!r} is not like '6' or '6-9'")
    return spec
