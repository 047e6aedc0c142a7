"""Where an input comes from: a local file, or a Hugging Face dataset when the hub is reachable.

``resolve_input("data/multi_if.csv")`` returns the path; ``resolve_input("hf:facebook/Multi-IF")``
(or a bare ``owner/name`` that is not a local path) downloads the dataset's data files with
``huggingface_hub`` (the optional extra ``adhere[hub]``) and returns the one data file, or the
one named with ``hf:owner/name/path/in/repo.jsonl``. Offline, or without the extra, the error
says how to point at a local file instead. Nothing is downloaded for a path that exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from adhere.core.errors import InputError
from adhere.core.types import StrPath

_DATASET_ID = re.compile(r"^(?:hf:)?([A-Za-z0-9][\w.-]*/[\w.-]+)(?:/(.+))?$")
DATA_SUFFIXES = (".jsonl", ".json", ".csv")


def _offline_help(dataset: str) -> str:
    return (
        f"to use it offline, download the dataset's data file on a machine with access "
        f"(https://huggingface.co/datasets/{dataset}) as JSONL or CSV, and pass its path instead"
    )


def download_dataset(
    dataset: str, patterns: list[str], label: str, offline_help: str, why: str = ""
) -> Path:
    """The local folder of ``dataset``'s files matching ``patterns``, downloaded with
    ``huggingface_hub``. Without the extra or the hub the error (for ``label``, after ``why``)
    says so and ends with ``offline_help``."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise InputError(
            f"{why}loading the Hugging Face dataset {dataset!r} needs the "
            f"optional extra: pip install 'adhere[hub]'; or {offline_help}",
            path=label,
        ) from None
    try:
        folder = snapshot_download(dataset, repo_type="dataset", allow_patterns=patterns)
    except Exception as error:  # network, authentication, unknown dataset: all end the same way
        raise InputError(
            f"could not fetch the Hugging Face dataset {dataset!r} "
            f"({type(error).__name__}: {str(error)[:200]}); {offline_help}",
            path=label,
        ) from None
    return Path(folder)


def resolve_input(source: StrPath) -> Path:
    """A local path for ``source`` (see the module docstring)."""
    text = os.fspath(source)
    if os.path.exists(text):
        return Path(text)
    match = _DATASET_ID.match(text)
    if match is None or (not text.startswith("hf:") and text.endswith(DATA_SUFFIXES)):
        raise InputError("cannot read the file: no such file", path=text)
    dataset, inner = match.group(1), match.group(2)
    patterns = [inner] if inner else [f"*{suffix}" for suffix in DATA_SUFFIXES]
    patterns += [f"**/*{suffix}" for suffix in DATA_SUFFIXES] if not inner else []
    folder = download_dataset(
        dataset, patterns, text, _offline_help(dataset), why="not a local file, and "
    )
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(DATA_SUFFIXES))
    if inner:
        found = [p for p in found if p.relative_to(folder).as_posix() == inner]
    if len(found) != 1:
        names = ", ".join(p.relative_to(folder).as_posix() for p in found[:10]) or "none"
        raise InputError(
            f"expected one JSONL or CSV data file in the dataset {dataset!r}, found: {names}; "
            f"name one as hf:{dataset}/<file>",
            path=text,
        )
    return found[0]
