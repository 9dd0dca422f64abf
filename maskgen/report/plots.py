"""The report's plots, drawn with matplotlib as SVG text (no network, no fonts fetched: glyphs are paths).

- a sweep: reflow height and width, bridging margin, stiffness and the worst joint's N50 (a recipe with
  `reliability:`) against the swept values, refused points marked;
- a wafer: the wafer map, each die step coloured by its bin (whole, partial, bad, excluded);
- 004: the displacement and restoring force of every bump against its distance from the die centre, and the
  displacement over the die.

matplotlib is imported here only, when a report has a plot to draw; a plain die's report never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from maskgen.input.manifest import BumpRow

BINS = {"whole": ("#3a9d5d", "whole"), "partial": ("#e0b030", "partial"), "bad": ("#d03030", "bad"),
        "excluded": ("#8a8a8a", "excluded (edge)")}
"""Wafer-map bin -> fill colour and legend label."""

SWEEP_FIGURES = (("reflow_height", "reflow height (um)"), ("reflow_width", "reflow width (um)"),
                 ("bridging_margin", "bridging margin (um)"), ("stiffness", "stiffness (N/m)"),
                 ("n50", "worst-bump N50 (cycles)"))
"""Sweep table columns plotted, with their axis labels."""

REFUSED = "#d03030"


def _pyplot() -> Any:
    """matplotlib's pyplot on the SVG backend, with output that is the same bytes for the same figure."""
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "maskgen", "svg.fonttype": "path", "font.size": 9,
                         "axes.grid": True, "grid.alpha": 0.3})
    return plt


def _svg(fig: Any) -> str:
    """The figure as SVG text without a date, then closed."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "maskgen (matplotlib)"}, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def sweep_svg(parameters: Sequence[str], rows: Sequence[dict[str, Any]]) -> str | None:
    """Predicted figures of every sweep point against the first swept key, one line per value of the others;
    refused points (verdict invalid) as red crosses on the axis, DRC-dirty points as open red circles."""
    if not parameters or not rows:
        return None
    shown = [(k, label) for k, label in SWEEP_FIGURES if any(r.get(k) is not None for r in rows)]
    if not shown:
        shown = list(SWEEP_FIGURES[:1])
    plt = _pyplot()
    x_key, others = parameters[0], list(parameters[1:])
    cols = 2 if len(shown) > 1 else 1
    nrows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in others), []).append(r)
    for ax, (key, label) in zip(axes.flat, shown, strict=False):
        for g, members in groups.items():
            name = ", ".join(f"{k.split('.')[-1]} {v:g}" for k, v in zip(others, g, strict=True)) or "points"
            good = sorted((r[x_key], r[key]) for r in members if r.get(key) is not None)
            if good:
                ax.plot([p[0] for p in good], [p[1] for p in good], marker="o", label=name)
            dirty = [(r[x_key], r[key]) for r in members if r.get("verdict") == "dirty" and r.get(key) is not None]
            if dirty:
                ax.plot([p[0] for p in dirty], [p[1] for p in dirty], linestyle="none", marker="o", markersize=11,
                        markerfacecolor="none", markeredgecolor=REFUSED)
        refused = sorted({r[x_key] for r in rows if r.get("verdict") == "invalid"})
        if refused:
            ax.plot(refused, [0.0] * len(refused), linestyle="none", marker="x", markersize=9, color=REFUSED,
                    markeredgewidth=2, label="refused", transform=ax.get_xaxis_transform(), clip_on=False)
        ax.set_xlabel(x_key)
        ax.set_ylabel(label)
        ax.set_xticks(sorted({r[x_key] for r in rows}))
    for ax in list(axes.flat)[len(shown):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(handles)), frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
        fig.subplots_adjust(bottom=0.2)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _svg(fig)


def wafer_svg(diameter_mm: float, step_um: Sequence[float], lower_left_um: Sequence[float],
              grid: Sequence[Sequence[str]], die_um: Sequence[float]) -> str:
    """The wafer map: each die step a rectangle coloured by its bin (grid rows bottom row first, bins as
    BINS' keys or "" for no die), the wafer outline and a legend with the count of each bin."""
    from matplotlib.patches import Circle, Patch, Rectangle

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5.6))
    r = diameter_mm / 2
    ax.add_patch(Circle((0, 0), r, fill=False, linewidth=1.2, edgecolor="#333333"))
    sx, sy = step_um[0] / 1000, step_um[1] / 1000
    dx, dy = die_um[0] / 1000, die_um[1] / 1000
    x0, y0 = lower_left_um[0] / 1000, lower_left_um[1] / 1000
    counts = dict.fromkeys(BINS, 0)
    for j, row in enumerate(grid):
        for i, b in enumerate(row):
            if b not in BINS:
                continue
            counts[b] += 1
            cx, cy = x0 + (i + 0.5) * sx, y0 + (j + 0.5) * sy
            ax.add_patch(Rectangle((cx - dx / 2, cy - dy / 2), dx, dy, facecolor=BINS[b][0], edgecolor="white",
                                   linewidth=0.3))
    ax.set_xlim(-r * 1.05, r * 1.05)
    ax.set_ylim(-r * 1.05, r * 1.05)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    ax.grid(False)
    ax.legend(handles=[Patch(facecolor=c, label=f"{label}: {counts[b]}") for b, (c, label) in BINS.items()],
              loc="upper right", fontsize=8, framealpha=0.9)
    return _svg(fig)


def mechanics_svg(bumps: Sequence[BumpRow], die_um: Sequence[float]) -> str | None:
    """004: bump displacement (um) against distance from the die centre, and the displacement of every bump over
    the die; None when the bumps carry no displacement."""
    moved = [(b.dnp, b.displacement, b.x, b.y) for b in bumps if b.displacement is not None and b.dnp is not None]
    if not moved:
        return None
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.8))
    ax1.plot([m[0] for m in moved], [m[1] for m in moved], linestyle="none", marker="o", markersize=3,
             label="displacement (um)")
    ax1.set_xlabel("distance from die centre, DNP (um)")
    ax1.set_ylabel("displacement (um)")
    sc = ax2.scatter([m[2] for m in moved], [m[3] for m in moved], c=[m[1] for m in moved],
                     cmap="viridis", s=14)
    w, h = die_um
    ax2.set_xlim(-w / 2, w / 2)
    ax2.set_ylim(-h / 2, h / 2)
    ax2.set_aspect("equal")
    ax2.set_xlabel("x (um)")
    ax2.set_ylabel("y (um)")
    fig.colorbar(sc, ax=ax2, label="displacement (um)")
    fig.tight_layout()
    return _svg(fig)
