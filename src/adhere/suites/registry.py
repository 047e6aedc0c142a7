"""Suites by name: what ``adhere eval --suite`` accepts.

- ``adhere-core``: adhere's own suite, built in (no download; :mod:`adhere.suites.core_suite`);
- ``ifeval`` and ``ifbench``: their Hugging Face datasets (``google/IFEval``,
  ``allenai/IFBench_test``) when the hub is reachable (the extra ``adhere[hub]``); offline, a
  local copy of the input file as ``ifeval:PATH`` or ``ifbench:PATH``. Their prompt files are
  not bundled;
- any other value: a path to (or Hugging Face id of) a JSONL file in IFEval's input format
  (``key, prompt, instruction_id_list, kwargs``), named after the file.

Every sample is validated (constraint ids, params, fields) before the suite is returned; the
errors name the file, the line and the field.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.types import Sample, StrPath


@frozen
class Suite:
    """A validated set of samples.

    Fields:
        name: ``adhere-core``, ``ifeval``, ``ifbench``, or the stem of the file it came from.
        version: the generator's version for ``adhere-core``; for a file, ``sha256:`` and the
            first 16 hex digits of the file's hash (a changed file is a different suite).
        samples: in file (or generation) order; ids are unique.
        source: where the samples came from, for people (a path, a dataset id, ``built in``).
    """

    name: str
    version: str
    samples: tuple[Sample, ...]
    source: str


@frozen
class _Hosted:
    dataset: str
    prompts: int
    what: str


HOSTED = {
    "ifeval": _Hosted("google/IFEval", 541, "Google's IFEval"),
    "ifbench": _Hosted("allenai/IFBench_test", 300, "AllenAI's IFBench test set"),
}
"""The suites loaded from a Hugging Face dataset by default, or from a local file."""

_BY_DATASET = {
    form: name
    for name, hosted in HOSTED.items()
    for form in (hosted.dataset, f"hf:{hosted.dataset}")
}

CORE = "adhere-core"


def list_suites() -> tuple[str, ...]:
    """One line per suite, for ``adhere list suites``."""
    from adhere.suites.core_suite import VERSION, core_samples, load_tasks

    core = core_samples()
    lines = [
        f"{CORE:12s} built in, no download: {len(core)} samples from {len(load_tasks())} "
        f"tasks written for adhere, covering all constraint ids (version {VERSION})"
    ]
    for name, hosted in HOSTED.items():
        lines.append(
            f"{name:12s} {hosted.what} ({hosted.prompts} prompts): the Hugging Face dataset "
            f"{hosted.dataset} (needs adhere[hub] and network), or {name}:PATH for a local copy"
        )
    lines.append(
        f"{'PATH':12s} any JSONL file in IFEval's input format "
        "(key, prompt, instruction_id_list, kwargs)"
    )
    return tuple(lines)


def load_suite(name_or_path: StrPath, *, limit: int | None = None) -> Suite:
    """The suite named ``name_or_path`` (see the module docstring), its first ``limit`` samples
    if given. The whole suite is validated first, whatever the limit."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(f"expected a positive whole number, found {limit!r}", field="limit")
    text = os.fspath(name_or_path)
    prefix, colon, rest = text.partition(":")
    if text == CORE:
        suite = _core()
    elif colon and prefix in HOSTED:
        if not rest:
            raise InputError(
                f"expected {prefix}:PATH with the path of a local copy of the input file, "
                "found no path",
                field="suite",
            )
        suite = _from_file(prefix, rest, rest)
    elif text in HOSTED or text in _BY_DATASET:
        suite = _from_hub(_BY_DATASET.get(text, text))
    else:
        _reject_unknown_name(text)
        suite = _from_file(Path(text).stem or text, text, text)
    if limit is not None:
        suite = Suite(suite.name, suite.version, suite.samples[:limit], suite.source)
    return suite


def _core() -> Suite:
    from adhere.suites.core_suite import VERSION, core_samples

    return Suite(CORE, VERSION, core_samples(), "built in (adhere.suites.core_suite)")


def _reject_unknown_name(text: str) -> None:
    """A bare word that is neither a suite nor a file is most likely a misspelt suite name."""
    if os.path.exists(text) or any(c in text for c in "/\\.:"):
        return
    known = [CORE, *HOSTED]
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(
        f"unknown suite {text!r}{hint} Known suites: {', '.join(known)}; or ifeval:PATH, "
        "ifbench:PATH, or the path of a JSONL file in IFEval's input format "
        "(`adhere list suites` shows them)",
        field="suite",
    )


def _from_hub(name: str) -> Suite:
    from adhere.suites.hub import resolve_input

    hosted = HOSTED[name]
    try:
        path = resolve_input(f"hf:{hosted.dataset}")
    except InputError as error:
        raise InputError(
            f"the suite {name!r} is the Hugging Face dataset {hosted.dataset}, which could not "
            f"be loaded: {error.detail}. To run without the hub, use a local copy of its input "
            f"file: --suite {name}:PATH"
        ) from None
    return _from_file(name, str(path), f"hf:{hosted.dataset} ({path})")


def _from_file(name: str, location: str, source: str) -> Suite:
    from adhere.suites.hub import resolve_input
    from adhere.suites.ifeval_files import load_inputs

    path = resolve_input(location)
    loaded = load_inputs(path, name)
    if not loaded:
        raise InputError("expected at least one sample, found none", path=str(path))
    first_line: dict[str, int] = {}
    for sample, _ in loaded:
        line = int(sample.metadata["line"])
        if sample.id in first_line:
            raise InputError(
                f"duplicate key {sample.metadata['key']!r} (first on line "
                f"{first_line[sample.id]}); every sample needs its own key",
                path=str(path),
                line=line,
                field="key",
            )
        first_line[sample.id] = line
    return Suite(name, _file_version(path), tuple(s for s, _ in loaded), source)


def _file_version(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]
