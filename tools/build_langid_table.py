"""Build ``src/adhere/text/data/langid_profiles.bin`` from the installed langdetect 1.0.9.

This is the only place in the project that imports ``langdetect``.  It reads the 55 language
profiles and the normalisation tables of the installed package and writes everything
``adhere.text.langid`` needs into one compact, deterministic file:

* the language codes, in sorted order (the runtime's language index order);
* every n-gram of every profile (87,598 of them) with its sparse (language, frequency) pairs
  (184,129 pairs) and each language's per-length n-gram totals ``n_words``, so that the
  runtime's ``frequency / n_words[len - 1]`` is the very float division langdetect performs
  in ``DetectorFactory.add_profile`` (the build checks this against langdetect's own table);
* the per-character normalisation of ``NGram.normalize``, obtained by evaluating it on every
  code point and keeping only the code points it changes, stored as runs;
* the Vietnamese ``NGram.normalize_vi`` tables (base letters, combining marks, composed forms);
* which characters ``Detector.cleaning_text`` counts as Latin, counts as non-Latin and removes,
  found by running that method on probe strings (one probe per stretch of code points over
  which its answer cannot change).

File layout (integers are little-endian): ``MAGIC``; the sizes of the header and of the
bucket directory (uint32); the header; the directory (uint32: where each bucket blob ends,
counted from the first one); the bucket blobs.  The header and each blob are ``marshal`` data
(version 2, which has no back-references, so the bytes do not depend on object identity)
holding only ints, bytes and tuples, stored as they are: reading a blob is cheaper than
inflating a compressed one, and a process reads only the blobs it needs.  N-grams are grouped
into buckets by their highest character: all-ASCII n-grams form bucket 0, every other n-gram
is in the bucket numbered by its highest code point (the header lists the bucket numbers,
sorted).  A process loads only the buckets of the characters it meets, so English text loads
only the ASCII bucket, and a text in another script only the n-grams whose highest character
occurs in it.  Within a bucket the n-grams are sorted (the runtime finds an n-gram's row by
bisection); its row offsets and frequencies are 16-bit arrays where every value fits, else
32-bit (the blob names the array type codes).  Same langdetect in, same bytes out.

Usage: ``python tools/build_langid_table.py [--output PATH] [--no-verify]``.
"""

from __future__ import annotations

import argparse
import json
import marshal
import os
import sys
from array import array
from collections.abc import Iterable
from itertools import accumulate, pairwise
from pathlib import Path
from typing import ClassVar

# Read back with the runtime's own readers, so the check sees the file as adhere will.
from adhere.text.langid import _ints as _read_ints
from adhere.text.langid import _u32 as _read_u32

MAGIC = b"ADHERE-LANGID-3\n"
FORMAT_VERSION = 3
MARSHAL_VERSION = 2
# Separator between n-grams in the stored key lists; the build checks no n-gram contains it.
KEY_SEPARATOR = "\x00"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "src" / "adhere" / "text" / "data" / "langid_profiles.bin"
)
MAX_CODE_POINT = 0x10FFFF


def _u32(values: Iterable[int]) -> bytes:
    """Little-endian unsigned 32-bit encoding (independent of the build machine)."""
    return _packed(values, "I")


def _packed(values: Iterable[int], typecode: str) -> bytes:
    """Little-endian encoding as array type ``typecode`` ("H": 16-bit, "I": 32-bit)."""
    arr = array(typecode, values)
    if arr.itemsize != {"H": 2, "I": 4}[typecode]:  # pragma: no cover
        raise RuntimeError(f"array({typecode!r}) has an unexpected size on this platform")
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    return arr.tobytes()


def _typecode(values: list[int]) -> str:
    """The narrowest unsigned array type code that holds every value."""
    return "H" if max(values, default=0) < 2**16 else "I"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _profiles_dir() -> Path:
    import langdetect  # type: ignore[import-untyped]

    return Path(langdetect.__file__).resolve().parent / "profiles"


def _load_profiles() -> list[tuple[str, dict[str, int], list[int]]]:
    directory = _profiles_dir()
    profiles = []
    for name in sorted(os.listdir(directory)):
        path = directory / name
        if name.startswith(".") or not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
        profiles.append((str(data["name"]), dict(data["freq"]), list(data["n_words"])))
    profiles.sort(key=lambda item: item[0])
    names = [name for name, _, _ in profiles]
    if len(set(names)) != len(names):
        raise RuntimeError("duplicate language profile names")
    return profiles


def _normalisation_runs() -> list[int]:
    """(start, count, target) triples covering every code point ``NGram.normalize`` changes."""
    from langdetect.utils.ngram import NGram  # type: ignore[import-untyped]

    normalize = NGram.normalize
    runs: list[int] = []
    run_start = run_target = -1
    run_len = 0
    for cp in range(MAX_CODE_POINT + 1):
        ch = chr(cp)
        out = normalize(ch)
        if out == ch:
            continue
        if len(out) != 1:
            raise RuntimeError(f"NGram.normalize(U+{cp:04X}) is not one character")
        target = ord(out)
        if run_len and cp == run_start + run_len and target == run_target:
            run_len += 1
            continue
        if run_len:
            runs += (run_start, run_len, run_target)
        run_start, run_len, run_target = cp, 1, target
    if run_len:
        runs += (run_start, run_len, run_target)
    return runs


def _cleaning_classes() -> tuple[list[int], list[int], list[int]]:
    """Inclusive code point ranges that ``Detector.cleaning_text`` counts as Latin, counts as
    non-Latin, and deletes when it strips Latin letters, found by probing the method itself.

    The method looks at a character only through comparisons with fixed characters and through
    ``unicode_block``, so its answer is constant between consecutive block / comparison
    boundaries; one probe per such stretch (checked at both ends) is exhaustive.
    """
    from langdetect.detector import Detector  # type: ignore[import-untyped]
    from langdetect.utils import unicode_block as ub  # type: ignore[import-untyped]

    class _Factory:
        word_lang_prob_map: ClassVar[dict[str, list[float]]] = {}
        langlist: ClassVar[list[str]] = ["xx"]
        seed = 0

    detector = Detector(_Factory())

    def cleaned(text: str) -> str:
        detector.text = text
        detector.cleaning_text()
        return str(detector.text)

    marker_latin, filler = "A", "\u3042"  # 'A' is Latin and deletable; U+3042 is neither

    def classify(ch: str) -> tuple[bool, bool, bool]:
        # counted as Latin: four of it outweigh six fillers, so the marker survives.
        is_latin = cleaned(marker_latin + ch * 4 + filler * 6).startswith(marker_latin)
        # counted as non-Latin: three of it beside one Latin marker trigger the stripping.
        is_non_latin = not cleaned(marker_latin + ch * 3).startswith(marker_latin)
        # deleted when stripping happens (six fillers force it).
        deleted = ch not in cleaned(ch + filler * 6)
        return is_latin, is_non_latin, deleted

    bounds = {0, 0x41, 0x7B, 0x300, MAX_CODE_POINT + 1}
    for _name, start, end in ub._unicode_blocks:
        bounds.add(start)
        bounds.add(end + 1)
    edges = sorted(b for b in bounds if 0 <= b <= MAX_CODE_POINT + 1)
    ranges: tuple[list[int], list[int], list[int]] = ([], [], [])
    for lo, hi_excl in pairwise(edges):
        first = classify(chr(lo))
        if classify(chr(hi_excl - 1)) != first or classify(chr((lo + hi_excl - 1) // 2)) != first:
            raise RuntimeError(f"cleaning_text is not constant on U+{lo:04X}..U+{hi_excl - 1:04X}")
        for flag, out in zip(first, ranges, strict=True):
            if not flag:
                continue
            if out and out[-1] == lo - 1:
                out[-1] = hi_excl - 1
            else:
                out += (lo, hi_excl - 1)
    return ranges


def _vietnamese_tables() -> bytes:
    from langdetect.utils.ngram import NGram

    letters = NGram.TO_NORMALIZE_VI_CHARS
    marks = NGram.DMARK_CLASS
    composed = list(NGram.NORMALIZED_VI_CHARS)
    if any(len(row) != len(letters) for row in composed) or len(composed) != len(marks):
        raise RuntimeError("unexpected shape of the Vietnamese normalisation tables")
    if any(c in "\\]^-[\n" for c in letters + marks):
        raise RuntimeError("Vietnamese character classes contain regex metacharacters")
    return _utf8("\n".join([letters, marks, *composed]))


def bucket_of(gram: str) -> int:
    """The bucket an n-gram is stored in: 0 if it is all ASCII, else its highest code point."""
    top = ord(max(gram))
    return top if top >= 0x80 else 0


def build_sections() -> list[bytes]:
    """The uncompressed sections of the table: the header, then one payload per bucket."""
    profiles = _load_profiles()
    langs = [name for name, _, _ in profiles]
    if len(langs) > 255:  # pragma: no cover
        raise RuntimeError("too many languages for one-byte indices")

    keys: set[str] = set()
    for _, freq, _ in profiles:
        keys.update(freq)
    if "" in keys or any(KEY_SEPARATOR in k for k in keys):
        raise RuntimeError("an n-gram is empty or contains the key separator")
    buckets: dict[int, list[str]] = {}
    for key in sorted(keys):
        buckets.setdefault(bucket_of(key), []).append(key)

    payloads = []
    for bucket in sorted(buckets):
        ordered = buckets[bucket]
        offsets = [0]
        lang_index = bytearray()
        freqs: list[int] = []
        for key in ordered:
            for index, (_, freq, _) in enumerate(profiles):
                value = freq.get(key)
                if value is None or not 1 <= len(key) <= 3:
                    continue
                if not 0 <= value < 2**32:
                    raise RuntimeError(f"frequency out of range for {key!r}")
                if value == 0:
                    continue  # contributes 0.0, which is the default
                lang_index.append(index)
                freqs.append(value)
            offsets.append(len(freqs))
        codes = _typecode(offsets) + _typecode(freqs)
        payloads.append(
            marshal.dumps(
                (
                    _utf8(KEY_SEPARATOR.join(ordered)),
                    _packed(offsets, codes[0]),
                    bytes(lang_index),
                    _packed(freqs, codes[1]),
                    codes.encode("ascii"),
                ),
                MARSHAL_VERSION,
            )
        )

    n_words: list[int] = []
    for name, _, counts in profiles:
        if len(counts) != 3 or any(not 0 < c < 2**32 for c in counts):
            raise RuntimeError(f"unexpected n_words in profile {name}")
        n_words += counts

    latin, non_latin, deleted = _cleaning_classes()
    header = (
        FORMAT_VERSION,
        _utf8("\n".join(langs)),
        _u32(n_words),
        _u32(_normalisation_runs()),
        _vietnamese_tables(),
        _u32(latin),
        _u32(non_latin),
        _u32(deleted),
        _u32(sorted(buckets)),
    )
    return [marshal.dumps(header, MARSHAL_VERSION), *payloads]


def encode(sections: list[bytes]) -> bytes:
    """The file bytes for the given sections (see the module docstring)."""
    header, *payloads = sections
    if len(marshal.loads(header)[-1]) != 4 * len(payloads):
        raise ValueError("bucket count differs from the header's")
    directory = _u32(accumulate(len(p) for p in payloads))
    return b"".join([MAGIC, _u32([len(header), len(directory)]), header, directory, *payloads])


def decode(blob: bytes) -> list[bytes]:
    """The sections of a table file: the header, then one payload per bucket."""
    if not blob.startswith(MAGIC):
        raise ValueError("not an adhere langid table")
    pos = len(MAGIC)
    header_size, directory_size = _read_u32(blob[pos : pos + 8])
    pos += 8
    header = blob[pos : pos + header_size]
    pos += header_size
    ends = _read_u32(blob[pos : pos + directory_size])
    pos += directory_size
    sections = [header]
    start = 0
    for end in ends:
        sections.append(blob[pos + start : pos + end])
        start = end
    if pos + start != len(blob):
        raise ValueError("trailing bytes in langid table")
    return sections


def verify(sections: list[bytes]) -> None:
    """Check that the stored table reproduces langdetect's own probability map bit for bit."""
    from langdetect import detector_factory

    header = marshal.loads(sections[0])
    langs = header[1].decode().split("\n")
    n_words = _read_u32(header[2])
    stored: dict[str, list[float]] = {}
    for payload in sections[1:]:
        keys_b, offsets_b, lang_b, freqs_b, codes = marshal.loads(payload)
        offsets = _read_ints(offsets_b, chr(codes[0]))
        freqs = _read_ints(freqs_b, chr(codes[1]))
        for i, key in enumerate(keys_b.decode("utf-8", "surrogatepass").split(KEY_SEPARATOR)):
            dense = [0.0] * len(langs)
            for k in range(offsets[i], offsets[i + 1]):
                j = lang_b[k]
                dense[j] = 1.0 * freqs[k] / n_words[3 * j + len(key) - 1]
            stored[key] = dense

    factory = detector_factory.DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    position = {lang: i for i, lang in enumerate(factory.langlist)}
    order = [position[lang] for lang in langs]
    reference = factory.word_lang_prob_map
    if set(reference) != set(stored):
        raise RuntimeError("n-gram set differs from langdetect's")
    for key, dense in stored.items():
        expected = [reference[key][p] for p in order]
        if any(a.hex() != b.hex() for a, b in zip(dense, expected, strict=True)):
            raise RuntimeError(f"probabilities differ for {key!r}")


def build(output: Path | str = DEFAULT_OUTPUT, *, check: bool = False) -> Path:
    """Write the table to ``output`` (a file path, or a directory to write
    ``langid_profiles.bin`` into) and return the path written."""
    path = Path(output)
    if path.is_dir():
        path = path / DEFAULT_OUTPUT.name
    sections = build_sections()
    if check:
        verify(sections)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(sections))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the check against langdetect"
    )
    args = parser.parse_args(argv)
    path = build(args.output, check=not args.no_verify)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
