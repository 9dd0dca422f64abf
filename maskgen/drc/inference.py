"""What a layout is, when no build manifest says so: its process and its embodiment, read off the layers drawn.

The process is the manifest's, or the one named by `--process`, or else the single process of the PDK
whose unconditional layers are all drawn and that draws every process layer found. A layout that
draws none of the layers that set its process apart (a mask file: one CHROME layer on 1/0; a ball-drop
wafer checked as cantilever_wlcsp) is not a layout of that process: an input error, never "clean".

Without a manifest the recipe options of a process (the lower-case `when` keys of its steps) are
unknown; for the cantilever process (004) they decide which layers must exist, so the embodiment is
inferred from the drawing and said in the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from maskgen.drc.context import ProcessContext
from maskgen.drc.layers import LayoutLayers
from maskgen.errors import InputError
from maskgen.input.pdk import Pdk, Process


def film_layers(process: Process, unconditional: bool = False) -> list[str]:
    """Mask and film-opening layers of a process's steps (not the reference layers such as BUMP)."""
    steps = [s for s in process.steps if not (unconditional and s.when)]
    return list(dict.fromkeys(n for s in steps for n in (s.mask, s.layer) if n is not None))


def identifying_layers(pdk: Pdk, process: Process) -> list[str]:
    """Unconditional film layers of a process that not every process of the PDK has (e.g. RDL, PROT for 004)."""
    common = set.intersection(*(set(film_layers(p, True)) for p in pdk.processes.values()))
    return [n for n in film_layers(process, True) if n not in common]


def process_layers(pdk: Pdk) -> set[str]:
    """Layers some process of the PDK draws (reference-only layers such as DIE, REFLOW are not among them)."""
    return {n for p in pdk.processes.values() for n in p.layers()}


def foreign_layers(pdk: Pdk, process: Process, drawn: set[str]) -> list[str]:
    """Process layers drawn in the layout that no step of `process` draws."""
    own = set(process.layers())
    return [n for n in pdk.layers if n in drawn and n in process_layers(pdk) and n not in own]


def resolve(context: ProcessContext, layers: LayoutLayers, pdk: Pdk) -> ProcessContext:
    """The run's process context completed from the drawing: process inferred, fit checked, embodiment inferred."""
    drawn = layers.present()
    if context.process is None:
        context = _infer_process(context, layers, pdk)
    assert context.process is not None
    own = identifying_layers(pdk, context.process)
    if own and not any(n in drawn for n in own):
        fits = [p.name for p in _fitting(pdk, drawn)]
        hint = f"the layers fit {' or '.join(fits)}" if fits else "a mask file or a layout on other layer numbers?"
        where = f"from {context.source}" if context.source else ""
        raise InputError(layers.path, "process", context.family,
                         f"process {where} but the layout draws none of its layers "
                         f"{_named(pdk, own)}; it draws {_named(pdk, sorted_layers(pdk, drawn)) or 'nothing'} "
                         f"({hint})")
    infer = EMBODIMENTS.get(context.family or "")
    if infer is not None and not context.has_manifest:
        features, note = infer(layers, context.process)
        context = dataclasses.replace(context, inferred=frozenset(features), notes=context.notes + (note,))
    return context


def sorted_layers(pdk: Pdk, names: set[str]) -> list[str]:
    """Canonical layer names in the PDK's order."""
    return [n for n in pdk.layers if n in names]


def _named(pdk: Pdk, names: list[str]) -> str:
    """Layer names with their GDS numbers: `RDL 14/0, PROT 15/0`."""
    return ", ".join(f"{n} {pdk.layers[n].layer}/{pdk.layers[n].datatype}" for n in names)


def _fitting(pdk: Pdk, drawn: set[str]) -> list[Process]:
    """Processes whose unconditional film layers are all drawn and that draw every process layer found."""
    return [p for p in pdk.processes.values()
            if set(film_layers(p, True)) <= drawn and not foreign_layers(pdk, p, drawn)]


def _infer_process(context: ProcessContext, layers: LayoutLayers, pdk: Pdk) -> ProcessContext:
    """The one process that fits the layers drawn, or an input error naming what each process lacks."""
    drawn = layers.present()
    fits = _fitting(pdk, drawn)
    if len(fits) > 1:  # the one that explains most of the drawing (a 3-resist stair is no flux-fill layout)
        best = max(len(drawn & set(p.layers())) for p in fits)
        fits = [p for p in fits if len(drawn & set(p.layers())) == best]
    if len(fits) != 1:
        if fits:
            why = f"it fits {' and '.join(p.name for p in fits)} equally"
        else:
            lacks = []
            for p in pdk.processes.values():
                missing = [n for n in film_layers(p, True) if n not in drawn]
                extra = foreign_layers(pdk, p, drawn)
                lacks.append(f"{p.name} " + (f"lacks {', '.join(missing)}" if missing else
                                              f"draws no {', '.join(extra)}"))
            why = "no process fits: " + "; ".join(lacks)
        drew = _named(pdk, sorted_layers(pdk, drawn)) or "none of the PDK's layers"
        raise InputError(layers.path, "process", None,
                         f"no build manifest and no --process, and the layers drawn ({drew}) do not tell the "
                         f"process: {why}; give --process (a mask file is not a bump layout)")
    chosen = fits[0]
    note = (f"process {chosen.name} inferred from the layers drawn "
            f"({', '.join(sorted_layers(pdk, drawn & set(chosen.layers())))}); no manifest, no --process")
    return dataclasses.replace(context, family=chosen.name, process=chosen, source="layers drawn",
                               notes=context.notes + (note,))


# ----------------------------------------------------------------------------- embodiments
INSULATORS = frozenset({"one_insulator", "two_insulators"})
"""The insulator options of 004: which of them holds is read off INS2 (drawn or not), not off the windows."""


@dataclass(frozen=True)
class EmbodimentKey:
    """How a drawing tells the embodiments of a process's `embodiments:` table apart (read from the table)."""

    released: list[int]
    """Embodiments with the release step: etch windows 160 are drawn."""
    release_features: list[str]
    """Their features less the insulator options (SAC, release)."""
    two: list[int]
    """Embodiments with two insulating layers."""
    two_layers: list[str]
    """The layers only they draw (INS2)."""
    kept: dict[tuple[str, ...], int]
    """Each other embodiment by the layers it keeps under the bump (sorted), e.g. ("ELASTIC", "SAC") -> 4."""
    kept_layers: list[str]
    """Those layers, in the table's order."""


def embodiment_key(process: Process) -> EmbodimentKey:
    """The features that tell the embodiments apart, from the process's `embodiments:` table."""
    table = process.embodiments
    released = sorted(e for e, f in table.items() if "release" in f)
    two = sorted(e for e, f in table.items() if "two_insulators" in f)
    kept = {tuple(sorted(n for n in f if n.isupper())): e for e, f in table.items()
            if e not in released and e not in two}
    first = table[released[0]] if released else []
    return EmbodimentKey(
        released=released, release_features=[n for n in first if n not in INSULATORS], two=two,
        two_layers=list(dict.fromkeys(n for e in two for n in table[e] if n.isupper())), kept=kept,
        kept_layers=list(dict.fromkeys(n for e, f in table.items() if e in kept.values() for n in f if n.isupper())))


def _span(numbers: list[int]) -> str:
    return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])


def _cantilever_embodiment(layers: LayoutLayers, process: Process) -> tuple[set[str], str]:
    """004: which of the embodiments of the process's table the drawing shows, as its `when` features.

    A second insulating layer 104 (INS2) means embodiment 6, whose opening 1042 in layer 103 is no etch window.
    Otherwise etch windows 160 (insulator openings away from the pads) mean a released portion (1, 2): the
    sacrificial layer 140 must be under each bump. Otherwise the layers under the bump tell: sacrificial
    layer kept (3, or 4 on elastic layer 150), elastic layer alone (5).
    A bump with none of these over the substrate can only be embodiment 1, which needs layer 140.
    """
    key = embodiment_key(process)
    windows = layers.region("INS1").not_interacting(layers.region("PAD"))
    drawn = layers.present()
    two = any(n in drawn for n in key.two_layers)
    insulators = {"two_insulators"} if two else {"one_insulator"}
    released = set(key.release_features) | insulators
    if two:
        return insulators, (f"embodiment inferred from the drawing (no manifest): {_span(key.two)}, second "
                            "insulating layer 104 drawn")
    if not windows.is_empty():
        return released, ("embodiment inferred from the drawing (no manifest): released "
                          f"portion 102, embodiments {_span(key.released)}, because etch windows 160 are drawn; "
                          "sacrificial layer 140 required under each bump")
    if any(n in drawn for n in key.kept_layers):
        labels = {"ELASTIC": "elastic layer 150", "SAC": "sacrificial layer 140"}
        kept = [n for n in sorted(key.kept_layers) if n in drawn]
        which = key.kept[tuple(kept)]
        return set(kept) | insulators, (f"embodiment inferred from the drawing (no manifest): {which}, "
                                        f"{' and '.join(labels.get(n, n) for n in kept)} under the bump, "
                                        "no etch windows 160")
    return released, (f"embodiment inferred from the drawing (no manifest): {key.released[0]}, since no etch "
                      "windows 160, elastic layer 150 or insulating layer 104 are drawn; "
                      "sacrificial layer 140 required under each bump")


EMBODIMENTS: dict[str, Callable[[LayoutLayers, Process], tuple[set[str], str]]] = {
    "cantilever_wlcsp": _cantilever_embodiment,
}
"""Embodiment inference per process family, for layouts without a build manifest."""
