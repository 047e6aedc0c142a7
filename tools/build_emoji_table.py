"""Build ``src/adhere/text/data/emoji_chars.txt``: the single characters that the ``emoji``
package (version 2.15.0, the one IFBench's reference verdicts were produced with) calls emoji.

IFBench's ``format:emoji`` asks ``emoji.is_emoji`` about one character at a time, so that set is
all it needs; importing ``emoji`` costs ~45 ms, reading this table well under 1 ms. The file
lists inclusive code-point ranges in hex, one per line (``1F600-1F64F``, or one code point).

    python tools/build_emoji_table.py [OUTPUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT = (
    Path(__file__).resolve().parents[1] / "src" / "adhere" / "text" / "data" / "emoji_chars.txt"
)
EMOJI_VERSION = "2.15.0"


def table_text() -> str:
    """The table's text, from the installed ``emoji`` package (which must be 2.15.0)."""
    import emoji

    if emoji.__version__ != EMOJI_VERSION:
        raise SystemExit(f"needs emoji=={EMOJI_VERSION}, found {emoji.__version__}")
    points = sorted(ord(key) for key in emoji.EMOJI_DATA if len(key) == 1)
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    lines = [f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in ranges]
    header = (
        f"# single-character emoji per the emoji package {EMOJI_VERSION}; "
        "see tools/build_emoji_table.py\n"
    )
    return header + "\n".join(lines) + "\n"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    out.write_text(table_text(), encoding="ascii")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
