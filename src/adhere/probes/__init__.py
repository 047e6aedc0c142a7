"""Robustness probes: a suite turned into perturbed variants, and the metric comparing them.

Each probe lives in its own module and is registered there (:func:`adhere.probes.base.register`);
modules are imported on first use. See :mod:`adhere.probes.base` for what a probe is and
:mod:`adhere.probes.run` for how one runs.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable

from adhere.core.errors import InputError
from adhere.probes.base import PROBES, Probe

MODULES = {
    "paraphrase": "paraphrase",
    "placement": "placement",
    "load": "placement",
    "verbalizer": "verbalizer",
    "options": "options",
    "injection": "injection",
    "turns": "turns",
    "length": "length",
}
"""Each probe's module in this package."""


def _loader(module: str) -> Callable[[], object]:
    return lambda: importlib.import_module(f"adhere.probes.{module}")


for _name, _module in MODULES.items():
    PROBES.add_lazy(_name, _loader(_module))


def get_probe(name: str) -> type[Probe]:
    """The probe class named ``name``; a clear error naming the known probes otherwise."""
    if name not in MODULES or name not in PROBES:
        close = difflib.get_close_matches(name, list(MODULES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(
            f"unknown probe {name!r}{hint} Probes: {', '.join(MODULES)} (`adhere list probes`)",
            field="probe",
        )
    return PROBES.get(name)


def describe_probes() -> list[str]:
    """Lines for ``adhere list probes``: each probe, its parameters and its metric."""
    lines = []
    for name in MODULES:
        cls = get_probe(name)
        lines.append(f"{name}: {cls.summary}")
        lines.append(f"    metric: {cls.metric_help}")
        lines.append(f"    default suite: {cls.default_suite}")
        for param in cls.params:
            choices = f" (one of {', '.join(param.choices)})" if param.choices else ""
            lines.append(
                f"    --param {param.name}=… ({param.kind}, default {param.default!r}){choices}: "
                f"{param.help}"
            )
    return lines


__all__ = ["MODULES", "PROBES", "Probe", "describe_probes", "get_probe"]
