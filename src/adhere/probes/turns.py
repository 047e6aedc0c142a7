"""The ``turns`` probe: a sample's instructions given one per turn of a conversation, each staying
in force (``../shared/METHODS.md`` section 6, after MMMT-IF).

For each ``adhere-core`` sample with at least ``min_instructions`` instructions (its parts known,
:func:`adhere.probes.tasks.take_apart`), a conversation: turn 1 is the task with the first
instruction; each later turn adds the next instruction and asks for a revised answer (one of
:data:`FOLLOW_UPS`, drawn from the seed), the model's own earlier answers standing in the
conversation. The instructions come in the sample's order, or shuffled by the seed
(``order``). The variant at turn t carries every instruction given so far as its constraints.
At the last turn a second variant, ``repeat``, ends its message with all the instructions
again (MMMT-IF's "append every instruction at the end"). The original (every instruction in
one message) is included too, as a reference.

The probe runs in stages, one per turn (:attr:`TurnsProbe.stages`: the most instructions an
``adhere-core`` sample has); turn t+1 is built from the responses of turn t. Where a turn has no
response (the backend failed, or a replay file lacks it) the conversation stops there: that turn
is scored as failed (no response) and the metric counts every later turn of it, and its repeat
variant, as failed too — every instruction in force not followed. With several responses per
prompt (``-n``), each sample index is scored, but the conversation continues from one of them.

Metric (strict verdicts; :mod:`adhere.scoring.multiturn` for PIF and PIF-N-K):

- **PIF per turn**: the share of the instructions in force that a response follows, averaged
  over the conversations' responses at that turn (at turn t every response has t instructions,
  so this is a ratio of sums; interval: :func:`adhere.scoring.stats.clustered` over responses);
- **PIF** over all turns (mean over every response; percentile bootstrap over conversations);
- **PIF-N-K** for K = 1…N (N responses per turn; N = 1 unless ``-n``);
- **gain from repeating**: instructions followed at the last turn with every instruction
  repeated, minus without (pooled over conversations; paired bootstrap over conversations).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from adhere.core.types import ConstraintSpec, Message, Sample, Verdict
from adhere.probes.base import (
    Figure,
    Point,
    Probe,
    ProbeMetric,
    ProbeParam,
    ScoredVariant,
    Series,
    register,
    seeded_rng,
)
from adhere.probes.tasks import Parts, compose, split_suite
from adhere.scoring.evaluate import PromptResult
from adhere.scoring.multiturn import pif, pif_n_k
from adhere.scoring.stats import PairedCounts, clustered, paired_bootstrap
from adhere.suites.core_suite import SIZE_WEIGHTS
from adhere.suites.registry import Suite

NAME = "turns"
MAX_TURNS = max(SIZE_WEIGHTS)
"""The most instructions an ``adhere-core`` sample has: the probe's number of stages."""

FOLLOW_UPS = (
    "One more thing: {instruction} Please give me a revised answer that also keeps to "
    "everything I asked for before.",
    "Please rewrite your answer. {instruction} Everything I asked for earlier still applies.",
    "Revise your answer once more, adding this: {instruction} Keep following my earlier "
    "instructions too.",
    "Thanks. Now give the answer again with one change: {instruction} My earlier instructions "
    "still stand.",
)
"""How a later turn adds its instruction (``{instruction}``: the instruction's text)."""

REPEAT = "To be sure, here is every instruction I have given you so far: {instructions}"
"""What the ``repeat`` variant adds at the end of the last turn."""

STOPPED = "not run: the conversation stopped at an earlier turn with no response"
RESAMPLES = 2000


class _Conversation:
    """One planned conversation: the parts, the instructions in the order given, and the
    follow-up wording of each later turn."""

    def __init__(self, parts: Parts, seed: int, shuffled: bool, repeat: bool) -> None:
        self.parts = parts
        self.repeat = repeat
        self.id = parts.sample.id
        rng = seeded_rng(seed, self.id)
        order = list(range(len(parts.specs)))
        if shuffled:
            rng.shuffle(order)
        self.specs = tuple(parts.specs[i] for i in order)
        self.instructions = tuple(parts.instructions[i] for i in order)
        self.follow_ups = tuple(rng.choice(FOLLOW_UPS) for _ in self.specs[1:])

    @property
    def turns(self) -> int:
        return len(self.specs)

    def user_message(self, turn: int) -> str:
        """What the user says at ``turn`` (1-based)."""
        if turn == 1:
            return compose(self.parts.request, self.instructions[:1])
        return self.follow_ups[turn - 2].format(instruction=self.instructions[turn - 1])

    def messages(self, turn: int, earlier: Mapping[str, str | None]) -> tuple[Message, ...] | None:
        """The conversation up to the user message of ``turn``; None where an earlier turn has
        no response."""
        out: list[Message] = []
        for t in range(1, turn):
            response = earlier.get(turn_id(self.id, t))
            if response is None:
                return None
            out += [Message("user", self.user_message(t)), Message("assistant", response)]
        return (*out, Message("user", self.user_message(turn)))

    def variant(self, turn: int, messages: tuple[Message, ...], repeat: bool) -> Sample:
        info: dict[str, Any] = {
            "name": NAME,
            "variant": "repeat" if repeat else "turn",
            "conversation": self.id,
            "turn": turn,
            "turns": self.turns,
            "repeat": self.repeat,
            "constraints": [s.to_dict() for s in self.specs],
        }
        if repeat:
            said = REPEAT.format(instructions=" ".join(self.instructions))
            messages = (*messages[:-1], Message("user", f"{messages[-1].content}\n\n{said}"))
        original = self.parts.sample
        meta = {**original.metadata, "conversation": self.id, "turn": turn, "probe": info}
        suffix = f"turn{turn}" + ("-repeat" if repeat else "")
        return Sample(
            f"{self.id}~{suffix}",
            original.suite,
            messages,
            self.specs[:turn],
            meta,
            parent_id=self.id,
        )


def turn_id(conversation: str, turn: int) -> str:
    """The id of a conversation's plain variant at ``turn``."""
    return f"{conversation}~turn{turn}"


@register
class TurnsProbe(Probe):
    """See the module docstring."""

    name = NAME
    summary = (
        "gives a sample's instructions one per turn, each staying in force, continuing the "
        "conversation with the model's own answers (MMMT-IF)"
    )
    metric_help = (
        "PIF per turn (share of instructions in force followed), PIF-N-K, and the gain when "
        "every instruction is repeated at the last turn (paired bootstrap over conversations)"
    )
    params = (
        ProbeParam(
            "min_instructions",
            "int",
            2,
            "leave out samples with fewer instructions (1 keeps one-turn conversations)",
        ),
        ProbeParam(
            "order",
            "str",
            "shuffled",
            "the order instructions are given in: the sample's, or shuffled by the seed",
            ("as_given", "shuffled"),
        ),
        ProbeParam("repeat", "bool", True, "add the variant repeating every instruction"),
    )
    stages = MAX_TURNS

    def conversations(self, suite: Suite, seed: int) -> list[_Conversation]:
        """The conversations the probe plans for ``suite``."""
        parts, _ = split_suite(suite.samples)
        least = int(self.options["min_instructions"])
        shuffled = self.options["order"] == "shuffled"
        repeat = bool(self.options["repeat"])
        return [
            _Conversation(p, seed, shuffled, repeat)
            for p in parts
            if least <= len(p.specs) <= MAX_TURNS and p.specs
        ]

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        turn = stage + 1
        earlier = earlier or {}
        out: list[Sample] = []
        for conversation in self.conversations(suite, seed):
            if turn == 1:
                original = conversation.parts.sample
                info = {"name": NAME, "variant": "original", "conversation": conversation.id}
                out.append(
                    Sample(
                        original.id,
                        original.suite,
                        original.messages,
                        original.constraints,
                        {**original.metadata, "probe": info},
                    )
                )
            if turn > conversation.turns:
                continue
            messages = conversation.messages(turn, earlier)
            if messages is None:
                continue  # stopped: counted as failed by the metric
            out.append(conversation.variant(turn, messages, repeat=False))
            if conversation.repeat and turn == conversation.turns and turn > 1:
                out.append(conversation.variant(turn, messages, repeat=True))
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        return turns_metric(scored)


# --- the metric -------------------------------------------------------------------------------


def _failed(template: ScoredVariant, turn: int, repeat: bool, index: int) -> PromptResult:
    """A turn that was never run (the conversation stopped): every instruction in force fails."""
    info = template.info
    specs = tuple(
        ConstraintSpec(str(c["id"]), dict(c.get("params") or {})) for c in info["constraints"]
    )[:turn]
    conversation = str(info["conversation"])
    meta = {
        "conversation": conversation,
        "turn": turn,
        "sample": index,
        "probe": {**info, "turn": turn, "variant": "repeat" if repeat else "turn"},
    }
    suffix = f"turn{turn}" + ("-repeat" if repeat else "")
    sample = Sample(
        f"{conversation}~{suffix}", template.sample.suite, (), specs, meta, conversation
    )
    verdicts = tuple(Verdict(s.id, False, STOPPED, "strict") for s in specs)
    return PromptResult(sample, None, "strict", verdicts)


def completed(scored: Sequence[ScoredVariant]) -> tuple[list[PromptResult], list[PromptResult]]:
    """Every planned turn's strict results (``turn`` variants) and every planned repeat
    variant's, with the turns a stopped conversation never reached filled in as failed."""
    plain: dict[tuple[str, int, int], PromptResult] = {}
    repeat: dict[tuple[str, int, int], PromptResult] = {}
    first: dict[str, ScoredVariant] = {}
    samples = 1
    for v in scored:
        kind = v.info.get("variant")
        if kind not in ("turn", "repeat"):
            continue
        conversation = str(v.info["conversation"])
        index = int(v.sample.metadata.get("sample", 0))
        samples = max(samples, index + 1)
        key = (conversation, int(v.info["turn"]), index)
        (repeat if kind == "repeat" else plain)[key] = v.strict
        first.setdefault(conversation, v)
    for conversation, template in first.items():
        last = int(template.info["turns"])
        for index in range(samples):
            for turn in range(1, last + 1):
                key = (conversation, turn, index)
                if key not in plain:
                    plain[key] = _failed(template, turn, False, index)
            key = (conversation, last, index)
            if last > 1 and template.info.get("repeat") and key not in repeat:
                repeat[key] = _failed(template, last, True, index)
    return [plain[k] for k in sorted(plain)], [repeat[k] for k in sorted(repeat)]


def _bootstrap_mean(groups: Sequence[Sequence[float]], seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of all values, resampling groups."""
    sums = [(sum(g), len(g)) for g in groups if g]
    if not sums:
        return 0.0, 1.0
    rng = random.Random(seed)
    means = []
    for _ in range(RESAMPLES):
        total, count = 0.0, 0
        for _ in range(len(sums)):
            s, n = sums[rng.randrange(len(sums))]
            total += s
            count += n
        means.append(total / count)
    means.sort()
    return means[int(0.025 * (RESAMPLES - 1))], means[int(0.975 * (RESAMPLES - 1))]


def _followed(result: PromptResult) -> int:
    return sum(result.follow_instruction_list)


def _gain(
    plain: Sequence[PromptResult], repeat: Sequence[PromptResult]
) -> tuple[float, float | None, float | None, int]:
    """Repeat minus plain, instructions followed at the last turn over instructions in force,
    paired by conversation: (estimate, low, high, conversations)."""
    cells: dict[str, list[int]] = {}
    last = {str(r.sample.metadata["conversation"]): int(r.sample.metadata["turn"]) for r in repeat}
    for result in plain:
        conversation = str(result.sample.metadata["conversation"])
        if last.get(conversation) == int(result.sample.metadata["turn"]):
            cell = cells.setdefault(conversation, [0, 0, 0])
            cell[0] += _followed(result)
            cell[2] += len(result.verdicts)
    for result in repeat:
        cells.setdefault(str(result.sample.metadata["conversation"]), [0, 0, 0])[1] += _followed(
            result
        )
    names = sorted(c for c in cells if cells[c][2])
    counts = PairedCounts(
        range(len(names)),
        [cells[c][0] for c in names],
        [cells[c][1] for c in names],
        [cells[c][2] for c in names],
    )
    total = sum(counts.n)
    estimate = (sum(counts.b) - sum(counts.a)) / total if total else 0.0
    try:
        found = paired_bootstrap({"gain": counts}, len(names))["gain"]
    except ImportError:  # numpy (the report extra) missing: the estimate alone
        return estimate, None, None, len(names)
    return found.estimate, found.low, found.high, len(names)


def turns_metric(scored: Sequence[ScoredVariant]) -> ProbeMetric:
    """The turns metric (see the module docstring) of a probe run's scored variants."""
    plain, repeat = completed(scored)
    originals = [v.strict for v in scored if v.info.get("variant") == "original"]
    turns = sorted({int(r.sample.metadata["turn"]) for r in plain})
    points = []
    per_turn: dict[str, Any] = {}
    for turn in turns:
        at = [r for r in plain if int(r.sample.metadata["turn"]) == turn]
        rate = clustered([(_followed(r), len(r.verdicts)) for r in at])
        value = sum(pif(r) for r in at) / len(at)
        points.append(Point(f"turn {turn}", value, rate.low, rate.high, len(at)))
        per_turn[str(turn)] = {
            "pif": round(value, 6),
            "ci95": [rate.low, rate.high],
            "responses": len(at),
        }
    by_conversation: dict[str, list[float]] = {}
    for result in plain:
        by_conversation.setdefault(str(result.sample.metadata["conversation"]), []).append(
            pif(result)
        )
    mean = sum(pif(r) for r in plain) / len(plain) if plain else 0.0
    low, high = _bootstrap_mean(list(by_conversation.values()))
    nk = pif_n_k(plain)
    strictest = nk["K"].get(str(nk["N"])) if nk["N"] else None
    gain = _gain(plain, repeat)
    last_plain = [r for r in plain if int(r.sample.metadata["turn"]) == _planned(r)]
    headline = [
        Figure(
            "PIF (all turns)",
            mean,
            low,
            high,
            "mean share of instructions in force followed; bootstrap over conversations",
        ),
        *[
            Figure(
                f"PIF at turn {p.label.split()[-1]}",
                p.value,
                p.low,
                p.high,
                f"{p.count} responses; clustered Wilson interval",
            )
            for p in points
        ],
    ]
    if strictest is not None:
        n = nk["N"]
        headline.append(
            Figure(
                f"PIF-{n}-{n}",
                float(strictest["rate"] or 0.0),
                float(strictest["ci95"][0]),
                float(strictest["ci95"][1]),
                f"share of (conversation, turn) pairs whose {n} responses all have PIF 1",
            )
        )
    headline.append(
        Figure(
            "gain from repeating every instruction at the last turn",
            gain[0],
            gain[1],
            gain[2],
            f"instructions followed, repeat minus plain, {gain[3]} conversations; paired bootstrap",
        )
    )
    if originals:
        rate = clustered([(_followed(r), len(r.verdicts)) for r in originals])
        headline.append(
            Figure(
                "PIF, every instruction in one message",
                sum(pif(r) for r in originals) / len(originals),
                rate.low,
                rate.high,
                "the original samples",
            )
        )
    series = [Series("PIF per turn", "turn", "PIF", tuple(points), kind="line")]
    last_points = []
    for label, results in (("plain", last_plain), ("repeated", repeat)):
        if results:
            rate = clustered([(_followed(r), len(r.verdicts)) for r in results])
            value = sum(pif(r) for r in results) / len(results)
            last_points.append(Point(label, value, rate.low, rate.high, len(results)))
    if last_points:
        series.append(Series("PIF at the last turn", "instructions", "PIF", tuple(last_points)))
    details = {
        "conversations": len(by_conversation),
        "stopped": sum(1 for r in plain if r.verdicts and r.verdicts[0].evidence == STOPPED),
        "turns": per_turn,
        "pif_n_k": nk,
    }
    return ProbeMetric(tuple(headline), tuple(series), details)


def _planned(result: PromptResult) -> int:
    info = result.sample.metadata.get("probe")
    return int(info["turns"]) if isinstance(info, Mapping) else 0
