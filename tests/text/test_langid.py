"""adhere.text.langid must answer exactly what ``langdetect.detect`` answers.

langdetect 1.0.9 (a test-only dependency) is the reference, with
``DetectorFactory.seed = 0`` as IFEval uses it; its ``LangDetectException`` corresponds to
``None``.  Besides whole detections, the intermediate steps (prepared text, n-gram list,
random draws) are compared with langdetect's own, so that a discrepancy points at its cause.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adhere.text import langid
from adhere.text.langid import detect_language, language_codes
from tests.support.tools import load_tool

langdetect = pytest.importorskip("langdetect")
detector_module = pytest.importorskip("langdetect.detector")
factory_module = pytest.importorskip("langdetect.detector_factory")
exception_module = pytest.importorskip("langdetect.lang_detect_exception")

factory_module.DetectorFactory.seed = 0

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference"
IFEVAL_RESPONSES = REFERENCE / "ifeval" / "responses_gpt4.jsonl"
IFBENCH_RESPONSES = REFERENCE / "ifbench" / "responses_sample.jsonl"
SRC = ROOT / "src"


# ---------------------------------------------------------------------------
# The reference
# ---------------------------------------------------------------------------


def reference(text: str) -> str | None:
    """``langdetect.detect`` with seed 0; ``None`` where it raises LangDetectException."""
    factory_module.DetectorFactory.seed = 0
    try:
        return str(langdetect.detect(text))
    except exception_module.LangDetectException:
        return None


def reference_detector(text: str, max_length: int | None = None) -> object:
    """A langdetect Detector after ``append`` and ``cleaning_text``."""
    factory_module.init_factory()
    detector = factory_module._factory.create()
    if max_length is not None:
        detector.set_max_text_length(max_length)
    detector.append(text)
    detector.cleaning_text()
    return detector


_TABLES: dict[str, langid._Table] = {}


@pytest.fixture(autouse=True, params=["compiled", "python"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test runs on both implementations of the hot steps: the compiled module (where
    it is built) and the Python code; each has its own table and the memos are cleared."""
    name: str = request.param
    if name == "compiled" and langid._speedups is None:
        pytest.skip("adhere.text._langid_speedups is not built")
    if name not in _TABLES:
        with open(langid._DATA_FILE, "rb") as handle:
            speedups = langid._speedups if name == "compiled" else None
            _TABLES[name] = langid._Table(handle.read(), speedups)
    monkeypatch.setattr(langid, "_table", _TABLES[name])
    _clear_memos()
    yield name
    _clear_memos()


def _clear_memos() -> None:
    langid._detect_cached.cache_clear()
    langid._detect_prepared.cache_clear()
    langid._ESTIMATES.clear()


def table() -> langid._Table:
    return langid._get_table()


def ours_prepared(text: str, max_length: int = 10000, first_prefix: int = 16384) -> str:
    return langid._prepare(text, table(), max_length, first_prefix)


def ours_ngrams(text: str) -> list[str]:
    return langid._extract_ngrams(ours_prepared(text), table())


def assert_same_detection(texts: list[str]) -> int:
    mismatches = []
    for text in texts:
        expected = reference(text)
        got = detect_language(text)
        if got != expected:
            mismatches.append((text[:80], expected, got))
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ: {mismatches[:5]}"
    return len(texts)


def _read_responses(path: Path) -> list[str]:
    if not path.is_file():
        pytest.skip(f"reference responses not found at {path} (needs ../shared beside the repo)")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["response"] for line in handle if line.strip()]


def loose_variants(response: str) -> list[str]:
    """IFEval's loose-scoring variants of a response (besides the response itself)."""
    lines = response.split("\n")
    dropped = [
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    ]
    return [*dropped, *(v.replace("*", "") for v in [response, *dropped])]


# ---------------------------------------------------------------------------
# The packaged table and the constants
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_packaged_table_is_a_fresh_build(tmp_path: Path) -> None:
    tool = load_tool("build_langid_table")
    fresh = tool.build(tmp_path)
    packaged = Path(langid._DATA_FILE)
    # The sections are compared uncompressed: another zlib may compress the same bytes
    # differently.  With the same zlib the files are identical.
    assert tool.decode(fresh.read_bytes()) == tool.decode(packaged.read_bytes())
    assert fresh.read_bytes() == tool.encode(tool.decode(packaged.read_bytes()))


def test_table_reproduces_langdetect_probabilities() -> None:
    """Every stored n-gram decodes to langdetect's probability vector, bit for bit."""
    factory = factory_module.DetectorFactory()
    factory.load_profile(factory_module.PROFILES_DIRECTORY)
    order = [factory.langlist.index(lang) for lang in language_codes()]
    t = table()
    t.load_all()
    assert set(t.known) == set(factory.word_lang_prob_map)
    for gram, probs in factory.word_lang_prob_map.items():
        if not 1 <= len(gram) <= 3:
            continue
        got = t.decode(gram) if t.speedups is None else array("d", t.decode_packed(gram))
        assert [x.hex() for x in got] == [probs[i].hex() for i in order], gram


def test_constants_match_langdetect() -> None:
    detector_class = detector_module.Detector
    assert detector_class.URL_RE.pattern == langid._URL_PATTERN
    assert detector_class.MAIL_RE.pattern == langid._MAIL_PATTERN
    assert langid._ALPHA_DEFAULT == detector_class.ALPHA_DEFAULT
    assert langid._ALPHA_WIDTH == detector_class.ALPHA_WIDTH
    assert langid._ITERATION_LIMIT == detector_class.ITERATION_LIMIT
    assert langid._PROB_THRESHOLD == detector_class.PROB_THRESHOLD
    assert langid._CONV_THRESHOLD == detector_class.CONV_THRESHOLD
    assert langid._BASE_FREQ == detector_class.BASE_FREQ
    assert langid._UNKNOWN == detector_class.UNKNOWN_LANG
    factory_module.init_factory()
    detector = factory_module._factory.create()
    assert detector.n_trial == langid._N_TRIAL
    assert detector.max_text_length == langid._MAX_TEXT_LENGTH
    assert language_codes() == tuple(sorted(factory_module._factory.get_lang_list()))


def test_import_does_not_load_the_table() -> None:
    code = (
        "import adhere.text.langid as m; codes = m.language_codes(); "
        "print(m._table is None, len(codes))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert out.stdout.strip() == "True 55"


def test_packaged_languages_are_the_table_languages() -> None:
    assert table().langs == language_codes() == langid._LANGUAGES


# ---------------------------------------------------------------------------
# The random draws
# ---------------------------------------------------------------------------


class _RecordingSource(langid._Source):
    """Flat vectors (a trial never converges on them, so all 1001 draws happen): multipliers
    of 1.0 for the Python trial, probabilities of 0.0 for the compiled one; every n-gram the
    trial looks up is recorded."""

    def __init__(self, drawn: list[str], packed: bool) -> None:
        n = len(language_codes())
        flat: object = bytes(8 * n) if packed else (1.0,) * n
        super().__init__(lambda gram: flat)
        self.drawn = drawn

    def __getitem__(self, gram: str) -> Any:
        self.drawn.append(gram)
        return super().__getitem__(gram)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 31, 1000, 1024, 1025, 30001])
def test_trial_draws_are_random_choice(count: int, backend: str) -> None:
    """A trial draws its n-grams with the random numbers of ``Random.choice``."""
    grams = [str(i) for i in range(count)]
    drawn: list[str] = []
    mine, theirs = random.Random(0), random.Random(0)
    speedups = table().speedups
    if speedups is not None:
        source = _RecordingSource(drawn, packed=True)
        n = len(language_codes())
        speedups.trial(mine.getrandbits, grams, source, 1e-5, table().uniform, n)
    else:
        langid._trial(mine, grams, _RecordingSource(drawn, False).__getitem__, None, table())
    assert len(drawn) == 1001
    assert drawn == [theirs.choice(grams) for _ in range(1001)]
    assert mine.getstate() == theirs.getstate()


def _all_trials(grams: list[str]) -> list[float]:
    """Our seven trials without the early stop, averaged as langdetect's ``_detect_block``
    averages them into ``_langprob``."""
    rng = table().new_random(langid._SEED)
    gauss = table().gauss(rng)
    langprob = [0.0] * len(language_codes())
    for _ in range(langid._N_TRIAL):
        alpha = langid._ALPHA_DEFAULT + gauss() * langid._ALPHA_WIDTH
        weight = alpha / langid._BASE_FREQ
        speedups = table().speedups
        if speedups is not None:
            prob = speedups.trial(
                rng.getrandbits, grams, table().vectors, weight, table().uniform, len(langprob)
            )
        else:
            prob = langid._trial(rng, grams, table().vectors.__getitem__, weight, table())
        langprob = [total + p / langid._N_TRIAL for total, p in zip(langprob, prob, strict=True)]
    return langprob


@pytest.mark.parametrize(
    ("text", "drops"),
    [
        ("tl", True),
        ("no", True),
        ("да", True),
        ("OK OK OK", True),
        ("ok", False),
        ("Hi", False),
        ("Sí", False),
        ("zz top", False),
    ],
)
def test_long_trials_on_few_languages_are_exact(
    text: str, drops: bool, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """On short texts the trials run long and most languages underflow to 0.0; the trial then
    updates only the others. Every probability of every trial must still equal langdetect's
    (its ``langprob`` after all seven trials, compared bit for bit)."""
    gathered: list[int] = []
    real = langid._gatherer

    def counting(indices: list[int]) -> object:
        gathered.append(len(indices))
        return real(indices)

    monkeypatch.setattr(langid, "_gatherer", counting)
    detector: Any = reference_detector(text)
    grams = detector._extract_ngrams()
    assert grams == ours_ngrams(text)
    # langdetect orders its languages as os.listdir lists its profiles; ours are sorted. Give
    # this detector our order, so that its normalising sums add in the same order.
    order = [detector.langlist.index(code) for code in language_codes()]
    detector.langlist = [detector.langlist[k] for k in order]
    detector.word_lang_prob_map = {
        gram: [detector.word_lang_prob_map[gram][k] for k in order] for gram in set(grams)
    }
    detector._detect_block()
    theirs = list(detector.langprob)
    assert [p.hex() for p in _all_trials(grams)] == [p.hex() for p in theirs]
    if backend == "python":
        # Where a trial ran long enough for languages to underflow, it went on without them.
        assert bool(gathered) is drops
        assert all(0 < n < len(language_codes()) for n in gathered)


@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
def test_gauss_is_random_gauss(seed: int) -> None:
    """The module's gauss on ``_random.Random`` replays ``random.Random.gauss``, also with
    other draws in between (as the trials make)."""
    mine = table().new_random(seed)
    gauss = table().gauss(mine)
    theirs = random.Random(seed)
    for i in range(50):
        assert gauss().hex() == theirs.gauss(0.0, 1.0).hex()
        bits = 1 + i % 13
        assert mine.getrandbits(bits) == theirs.getrandbits(bits)
    assert table().first_alphas == tuple(
        langid._ALPHA_DEFAULT + g * langid._ALPHA_WIDTH
        for g in (lambda r: (r.gauss(0.0, 1.0), r.gauss(0.0, 1.0)))(random.Random(0))
    )


# ---------------------------------------------------------------------------
# Exactness on the reference responses
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_ifeval_responses_and_loose_variants() -> None:
    responses = _read_responses(IFEVAL_RESPONSES)
    texts = list(dict.fromkeys(t for r in responses for t in [r, *loose_variants(r)]))
    assert len(responses) == 541
    assert assert_same_detection(texts) == len(texts)


@pytest.mark.slow
def test_ifbench_responses() -> None:
    responses = _read_responses(IFBENCH_RESPONSES)
    assert_same_detection(list(dict.fromkeys(responses)))


def test_preparation_and_ngrams_match_langdetect() -> None:
    responses = _read_responses(IFEVAL_RESPONSES)
    for text in responses:
        detector = reference_detector(text)
        assert ours_prepared(text) == detector.text  # type: ignore[attr-defined]
        assert ours_ngrams(text) == detector._extract_ngrams()  # type: ignore[attr-defined]


def test_results_are_memoised() -> None:
    text = "Memoisation keeps repeated checks of the same response cheap."
    first = detect_language(text)
    before = langid._detect_cached.cache_info().hits
    assert detect_language(text) == first == reference(text)
    assert langid._detect_cached.cache_info().hits == before + 1


def test_texts_with_the_same_ngrams_share_one_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts that differ only where the detector sees spaces (punctuation, runs of spaces,
    leading spaces) have the same n-gram list and are estimated once; a trailing space adds
    n-grams, so it makes another list."""
    estimated: list[int] = []
    estimate = langid._estimate

    def counting(grams: list[str], table: langid._Table) -> str:
        estimated.append(len(grams))
        return estimate(grams, table)

    monkeypatch.setattr(langid, "_estimate", counting)
    same = [
        "Shared estimates spare the detector repeated work on loose variants",
        "Shared estimates, spare the detector -- repeated work on *loose* variants",
        "  Shared   estimates spare the detector repeated work on loose variants",
    ]
    assert len({tuple(ours_ngrams(text)) for text in same}) == 1
    for text in same:
        assert detect_language(text) == reference(text)
    assert len(estimated) == 1
    other = same[0] + " "
    assert ours_ngrams(other) != ours_ngrams(same[0])
    assert detect_language(other) == reference(other)
    assert len(estimated) == 2


# ---------------------------------------------------------------------------
# Generated text
# ---------------------------------------------------------------------------

ALPHABETS = {
    "latin": "abcdefghijklmnopqrstuvwxyz",
    "latin accents": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßăąćčďęěğıłńňőœřśşšťůűźżž",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    "greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会",
    "kana": "あいうえおかきくけこさしすせそたちつてとアイウエオカキクケコサシスセソ",
    "hangul": "가나다라마바사아자차카타파하한국어입니다",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "devanagari": "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ",
    "vietnamese base": "aeiouyAEIOUYâêôăơưÂÊÔĂƠƯ",
}
VI_MARKS = "\u0300\u0301\u0303\u0309\u0323"
PUNCTUATION = " ,.;:!?\"'()[]{}-–—…«»*#/\\|@&%$+=<>~^_`\n\t0123456789"


def _word(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=1, max_size=10)


@st.composite
def vietnamese_word(draw: st.DrawFn) -> str:
    base = draw(st.text(alphabet=ALPHABETS["vietnamese base"] + "bcdghklmnpqrstvx", max_size=4))
    marks = draw(st.lists(st.sampled_from(VI_MARKS), min_size=1, max_size=3))
    return base + "".join(draw(st.sampled_from(ALPHABETS["vietnamese base"])) + m for m in marks)


url = st.builds(
    lambda scheme, body: f"{scheme}://{body}",
    st.sampled_from(["http", "https"]),
    st.text(alphabet="abcdefghij.-_/?=&#0123456789", min_size=1, max_size=40),
)
mail = st.builds(
    lambda user, host: f"{user}@{host}",
    st.text(alphabet="abcxyz._-0123", min_size=1, max_size=12),
    st.text(alphabet="abcdefg.-", min_size=2, max_size=15),
)
token = st.one_of(
    *(_word(alphabet) for alphabet in ALPHABETS.values()),
    _word(ALPHABETS["latin"]).map(str.upper),
    _word(ALPHABETS["latin"]).map(str.capitalize),
    _word(ALPHABETS["cyrillic"]).map(str.upper),
    vietnamese_word(),
    url,
    mail,
    st.text(alphabet=PUNCTUATION, min_size=1, max_size=4),
)


@st.composite
def multilingual_text(draw: st.DrawFn) -> str:
    """Mostly one script (as real text is), with some tokens of others mixed in."""
    main = draw(st.sampled_from(sorted(ALPHABETS)))
    tokens = draw(st.lists(st.one_of(_word(ALPHABETS[main]), token), min_size=0, max_size=60))
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", "  ", ", ", ". ", "\n"]), min_size=60))
    return "".join(t + s for t, s in zip(tokens, seps, strict=False))


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(multilingual_text())
def test_generated_multilingual_text(text: str) -> None:
    detector = reference_detector(text)
    assert ours_prepared(text) == detector.text  # type: ignore[attr-defined]
    assert ours_ngrams(text) == detector._extract_ngrams()  # type: ignore[attr-defined]
    assert detect_language(text) == reference(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    got = detect_language(text)
    assert got is None or got in language_codes() or got == "unknown"
    assert got == reference(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(url, mail, vietnamese_word(), token), max_size=40),
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=1, max_value=64),
)
def test_cut_after_substitution(tokens: list[str], max_length: int, first_prefix: int) -> None:
    """The prefix-wise substitution equals langdetect's whole-text substitution, wherever
    the cut falls (short limits make every path reachable with small texts)."""
    text = " ".join(tokens)
    detector = reference_detector(text, max_length)
    assert ours_prepared(text, max_length, first_prefix) == detector.text  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------


def _huge_texts() -> Iterator[tuple[str, str]]:
    size = 10 * 1024 * 1024
    yield "english", ("The quick brown fox jumps over the lazy dog. " * (size // 45 + 1))[:size]
    # URLs shrink to one space each, so the first 10,000 prepared characters come from deep
    # inside the text.
    yield "urls", ("http://example.com/" + "a" * 2000 + " ") * 5000 + "Ceci est un texte. " * 1000
    yield "mails", ("someone.somewhere@example.org " * 400_000) + "Dies ist ein Satz. " * 500
    yield "no features", "1234 !?" * (size // 7)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "text"), list(_huge_texts()), ids=lambda v: str(v)[:12])
def test_huge_input(name: str, text: str) -> None:
    assert ours_prepared(text) == reference_detector(text).text  # type: ignore[attr-defined]
    assert detect_language(text) == reference(text)


def test_never_raises_on_odd_strings() -> None:
    odd = ["", " ", "\x00", "\ud800", "\udfff" * 50, "\U0010ffff", "A" * 10, "ǅǅǅ", "ϒϒ aϒ"]
    for text in odd:
        got = detect_language(text)
        assert got == reference(text), repr(text)
