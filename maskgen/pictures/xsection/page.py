"""The frames of a run written out: one file per frame (SVG, PNG) and index.html stepping through them."""

from __future__ import annotations

import html
import re
from pathlib import Path

from maskgen.errors import InputError, check_choices
from maskgen.outputs.output import write_text
from maskgen.pictures.xsection.draw import INK, draw_frame, exaggeration_text, placement, svg_text, write_png
from maskgen.pictures.xsection.model import Section

FORMATS = ("svg", "png")
"""The picture formats a frame is written in."""

MAX_EXAGGERATION = 100.0
"""The largest vertical exaggeration taken."""


def _index_html(sec: Section, svgs: list[str], exaggeration: float) -> str:
    d = sec.design
    title = f"{d.recipe.name}: cross-section, {d.process.title}"
    items = []
    for f, svg in zip(sec.frames, svgs, strict=True):
        body = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
        items.append(f'<section class="frame" id="f{f.number}" data-title="{html.escape(f.stem)}">{body}</section>')
    links = "".join(f'<li><a href="#f{f.number}" data-i="{i}">{f.number:02d} {html.escape(f.action)}: '
                    f"{html.escape(f.step.step.name)}</a></li>" for i, f in enumerate(sec.frames))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 16px; color: {INK}; }}
nav {{ margin: 8px 0; }} button {{ font-size: 15px; padding: 4px 14px; }}
.frame {{ display: none; }} .frame.on {{ display: block; }} .frame svg {{ max-width: 100%; height: auto; }}
ol {{ columns: 2; font-size: 13px; }} a.on {{ font-weight: bold; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(sec.cut.describe())}; {html.escape(exaggeration_text(exaggeration))}; {len(sec.frames)} frames,
one per process step. Keys: left / right arrows.</p>
<nav><button id="prev">&larr; prev</button> <span id="count"></span> <button id="next">next &rarr;</button></nav>
{"".join(items)}
<ol id="steps">{links}</ol>
<script>
const frames = [...document.querySelectorAll('.frame')];
const links = [...document.querySelectorAll('#steps a')];
let i = 0;
function show(k) {{
  i = (k + frames.length) % frames.length;
  frames.forEach((f, j) => f.classList.toggle('on', j === i));
  links.forEach((a, j) => a.classList.toggle('on', j === i));
  document.getElementById('count').textContent = (i + 1) + ' / ' + frames.length;
}}
document.getElementById('prev').onclick = () => show(i - 1);
document.getElementById('next').onclick = () => show(i + 1);
links.forEach(a => a.onclick = e => {{ e.preventDefault(); show(+a.dataset.i); }});
document.addEventListener('keydown', e => {{
  if (e.key === 'ArrowLeft') show(i - 1);
  if (e.key === 'ArrowRight') show(i + 1);
}});
show(0);
</script>
</body></html>
"""


def check_options(fmt: tuple[str, ...] | list[str], exaggeration: float) -> tuple[str, ...]:
    """The picture formats asked for (each once), after checking them and the vertical exaggeration."""
    formats = tuple(dict.fromkeys(fmt))
    check_choices(formats, FORMATS, "fmt")
    if not formats:
        raise InputError(None, "fmt", list(fmt), f"allowed: {', '.join(FORMATS)}")
    if not isinstance(exaggeration, (int, float)) or not 0 < exaggeration <= MAX_EXAGGERATION:
        raise InputError(None, "exaggeration", exaggeration, f"a vertical scale factor > 0 and <= "
                         f"{MAX_EXAGGERATION:g}")
    return formats


def write_frames(sec: Section, out: Path, exaggeration: float, formats: tuple[str, ...]) -> list[Path]:
    """The frames of a section as `<out>/<name>/xsection/NN_<action>.svg` (and .png), then index.html."""
    place = placement(sec, float(exaggeration))
    folder = Path(out) / sec.design.recipe.name / "xsection"
    written: list[Path] = []
    svgs: list[str] = []
    for frame in sec.frames:
        fig = draw_frame(sec, frame, place)
        svg = svg_text(fig, ids=f"f{frame.number}")
        svgs.append(svg)
        if "svg" in formats:
            written.append(write_text(folder / f"{frame.stem}.svg", svg))
        if "png" in formats:
            written.append(write_png(fig, folder / f"{frame.stem}.png"))
    written.append(write_text(folder / "index.html", _index_html(sec, svgs, place.exaggeration)))
    return written
