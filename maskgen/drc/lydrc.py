"""`maskgen deck`: a KLayout DRC deck (Ruby DSL, `.drc` and `.lydrc`) generated from the PDK's rules.yaml.

A foundry, an OSAT or a mask shop re-runs the geometric rules in KLayout without maskgen:

    klayout -b -r cantilever_wlcsp.drc -rd input=X.gds -rd report=X.lyrdb

One deck per process. Rule ids, values, parameters, claims and descriptions are read from the rules
data, layer numbers from layers.yaml and the layers each step draws from the process file; the Ruby
below only says how each kind of check is done, with the same region operations as
`maskgen.drc.checks`. Rules the DSL cannot express from the layout alone (nets, the declared number
of support beams, materials) are listed in the deck's header as checked by maskgen only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from maskgen.drc.checks import ON_ROUND, ROUND_VERTICES
from maskgen.drc.deck import opening_name, receiving_opening, registrar
from maskgen.drc.inference import EMBODIMENTS, embodiment_key, foreign_layers, identifying_layers
from maskgen.input.checktable import CHECKS, MASKGEN_ONLY, Check, pitch_terms
from maskgen.input.pdk import Pdk, Process, Rule

Template = Callable[[Rule, Check, Process, Pdk], str]
RUBY: dict[str, Template] = {}
template = registrar(RUBY)
"""Register the Ruby template of one check operation of `maskgen.input.checktable`."""

TEMPLATES = CHECKS
"""The rules this deck checks: every rule of the table of checks (the rest are `MASKGEN_ONLY`)."""


def _q(text: str) -> str:
    """A Ruby string literal."""
    return json.dumps(text, ensure_ascii=False)


def _layers(names: list[str]) -> str:
    return "[" + ", ".join(_q(n) for n in names) + "]"


# ----------------------------------------------------------------------------- one template per operation
@template("process_layers")
def _process_layers(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    return f"""  $required.each do |name, step|
    next if drawn?(name)
    out_die({_q(rule.id)}, "layer #{{name}} is missing: process {process.name} draws it in #{{step}}")
  end
  $foreign.each do |name|
    next unless drawn?(name)
    out({_q(rule.id)}, L[name], "layer #{{name}} is drawn but no step of process {process.name} draws it")
  end"""


@template("width_round")
def _width_round(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    """Every shape is at least the value wide, a round one by its diameter (as checks.min_width_round)."""
    (layer,) = rule.layers
    return f"""  if need({_q(rule.id)}, ["{layer}"])
    out({_q(rule.id)}, width_round(L["{layer}"], um({rule.value!r})),
        "{check.words[0]} narrower than {rule.value:g} um")
  end"""


@template("enclosed")
def _enclosed(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    outer, inner = rule.layers
    outer_name, inner_name = check.words
    return f"""  if need({_q(rule.id)}, ["{outer}", "{inner}"])
    enclosed({_q(rule.id)}, L["{outer}"], L["{inner}"], um({rule.value!r}), true, "{outer_name}", "{inner_name}")
  end"""


@template("width")
def _width(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    """Every shape of the layer is at least the rule's value wide (as checks.min_width)."""
    (layer,) = rule.layers
    return f"""  if need({_q(rule.id)}, ["{layer}"])
    out({_q(rule.id)}, L["{layer}"].width_check(um({rule.value!r}), false, RBA::Metrics::Projection),
        "{check.words[0]} narrower than {rule.value:g} um")
  end"""


EVERY_RUBY = {"unless_drawn": 'unless drawn?("{}")', "if_feature": 'if feature?("{}")'}
"""`Check.every` as a Ruby condition (as maskgen.drc.deck._every)."""


@template("covers")
def _covers(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    """`outer` encloses each `inner` shape it overlaps by the rule's value; where `Check.every` holds, each inner
    shape needs an outer one (as checks.covers)."""
    outer, inner = rule.layers
    outer_name, inner_name, uncovered = check.words
    assert check.every is not None
    kind, name = check.every
    every = EVERY_RUBY[kind].format(name)
    return f"""  if need({_q(rule.id)}, ["{outer}", "{inner}"])
    enclosed({_q(rule.id)}, L["{outer}"], L["{inner}"], um({rule.value!r}), false, "{outer_name}", "{inner_name}")
    {every}
      out({_q(rule.id)}, L["{inner}"].not_overlapping(L["{outer}"]), "{uncovered}")
    end
  end"""


@template("island")
def _island(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    island, opening = rule.layers
    two = _q("UBM island covers two or more passivation openings")
    return f"""  if need({_q(rule.id)}, ["{island}", "{opening}"])
    empty = L["{island}"].not_overlapping(L["{opening}"])
    empty = empty.not_overlapping(L["RDL"]) if drawn?("RDL")
    out({_q(rule.id)}, empty, "UBM island covers no passivation opening")
    out({_q(rule.id)}, L["{island}"].overlapping(L["{opening}"], 2), {two})
  end"""


@template("nested")
def _nested(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    offset = rule.params.get("max_offset") if check.aligned else None
    aligned = ""
    if offset is not None:
        aligned = f"""
      aligned({_q(rule.id)}, L[lower], L[upper], um({offset!r}), lower, upper)"""
    step = f"[um({rule.value!r}), 1].max" if check.strict else f"um({rule.value!r})"
    return f"""  stack = stack_of({_q(rule.id)}, {_layers(rule.layers)})
  if stack
    stack.each_cons(2) do |lower, upper|
      nested({_q(rule.id)}, L[lower], L[upper], {step}, lower, upper){aligned}
    end
  end"""


@template("ball_opening")
def _ball_opening(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    opening = receiving_opening(process)
    if opening is None:
        return f"  # {rule.id}: process {process.name} places no ball into a developed opening (not applicable)"
    name = opening_name(process, opening)
    ubm, ball = rule.layers[:2]
    o = f'L["{opening}"]'
    return f"""  if need({_q(rule.id)}, ["{opening}", "{ubm}", "{ball}"])
    out({_q(rule.id)}, {o}.not_overlapping(L["{ubm}"]), "{name} exposes no UBM")
    out({_q(rule.id)}, {o}.not_overlapping(L["{ball}"]), "{name} receives no ball")
    out({_q(rule.id)}, L["{ball}"].not_overlapping({o}), "ball lies in no {name}")
    enclosed({_q(rule.id)}, {o}, L["{ball}"], um({rule.value!r}), false, "{name}", "ball footprint")
  end"""


@template("release_reach")
def _release_reach(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    sac, ins = rule.layers
    return f"""  if need({_q(rule.id)}, ["{sac}", "{ins}"]) && feature?("release")
    sources = L["{ins}"].overlapping(L["{sac}"]) & L["{sac}"]
    grown = sources.minkowski_sum(disk(um({rule.value!r}))) + sources
    unless (L["{sac}"] - grown).is_empty?
      out({_q(rule.id)}, L["{sac}"] - grown.merged,
          "sacrificial layer 140 farther than {rule.value:g} um from every etch window 160")
    end
  end"""


@template("anchored")
def _anchored(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    sac, ins = rule.layers
    return f"""  if need({_q(rule.id)}, ["{sac}", "{ins}"])
    extent_region = drawn?("DIE") ? L["DIE"] : RBA::Region::new(top_box)
    out({_q(rule.id)}, (extent_region - L["{ins}"]).inside(L["{sac}"]),
        "suspended portion 102 of insulating layer 100 is not joined to an anchored joint portion 101")
  end"""


@template("space")
def _space(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    (layer,) = rule.layers
    return f"""  if need({_q(rule.id)}, ["{layer}"])
    out({_q(rule.id)}, L["{layer}"].space_check(um({rule.value!r})), "{check.words[0]} closer than {rule.value:g} um")
  end"""


@template("enclosed_on")
def _enclosed_on(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    outer, inner = rule.layers
    outer_name, inner_name = check.words
    unless = "unless on_rdl.is_empty?"
    return f"""  if need({_q(rule.id)}, ["{outer}", "{inner}"])
    on_rdl = L["{inner}"].overlapping(L["{outer}"])
    enclosed({_q(rule.id)}, L["{outer}"], on_rdl, um({rule.value!r}), true, "{outer_name}", "{inner_name}") {unless}
  end"""


@template("isolated")
def _isolated(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    main, stand_in = rule.layers
    return f"""  bumps = drawn?("{main}") ? L["{main}"] : (drawn?("{stand_in}") ? L["{stand_in}"] : nil)
  if complete?({_q(rule.id)}, ["{main}", "{stand_in}"]) && bumps
    out({_q(rule.id)}, bumps.merged(false, 2), "bumps overlap (bridging)")
    out({_q(rule.id)}, bumps.isolated_check(um({rule.value!r})), "bumps closer than {rule.value:g} um (bridging risk)")
  end"""


@template("pitch")
def _pitch(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    (layer,) = rule.layers
    base, factor = pdk.bump_pitch()
    a, b = pitch_terms(base, factor)       # the least space: a + b x the widest island
    return f"""  if need({_q(rule.id)}, ["{layer}"])
    widest = L["{layer}"].merged.each.collect {{ |p| [p.bbox.width, p.bbox.height].max }}.max * $dbu
    space = um({a!r} + {b!r} * widest)
    out({_q(rule.id)}, L["{layer}"].isolated_check(space),
        "UBM islands: pitch below {rule.value:g} um + {factor:g} x UBM width #{{widest.round(3)}} um")
  end"""


@template("centres_inside")
def _centres_inside(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    shapes, zone = rule.layers
    return f"""  if need({_q(rule.id)}, ["{shapes}", "{zone}"])
    d = um({rule.value!r})
    zone = d > 0 ? L["{zone}"].sized(-(d - 1)) : L["{zone}"]
    bad = centres(L["{shapes}"]).not_inside(zone)
    out({_q(rule.id)}, L["{shapes}"].interacting(bad), "pad centre closer than {rule.value:g} um to the die edge")
  end"""


@template("grid")
def _grid(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    return f"""  grid = um({rule.value!r})
  if grid > 1
    layers.each do |info|
      raw = input(info.layer, info.datatype).data.dup
      raw.merged_semantics = false
      vertices = raw.grid_check(grid, grid)
      out({_q(rule.id)}, raw.interacting(vertices.polygons(1)),
          "shape with vertices off the {rule.value:g} um grid on layer #{{info.layer}}/#{{info.datatype}}") \\
        unless vertices.is_empty?
    end
  end"""


@template("inside_exclusion")
def _inside_exclusion(rule: Rule, check: Check, process: Process, pdk: Pdk) -> str:
    ring, shapes = rule.layers
    return f"""  # a build with wafer.partial_dies: include places partial dies on purpose: its manifest beside
  # the layout (X.gds -> X.json) says so, as maskgen drc reads it; -rd partial_dies=include without one
  if need({_q(rule.id)}, ["{ring}", "{shapes}"]) && partial_dies != "include"
    usable = L["{ring}"].holes
    usable = L["{ring}"].hulls if usable.is_empty?
    dies = L["{shapes}"].dup
    dies.merged_semantics = false
    out({_q(rule.id)}, dies.not_inside(usable), "die is not whole inside the edge exclusion (round edge, notch, flat)")
  end"""


# ----------------------------------------------------------------------------- the deck
PRELUDE = r'''
require "json"
source($input) if $input
report($report_title, $report)
deep

$dbu = dbu
def um(value)
  (value / $dbu).round
end

def wrap(obj)
  DRC::DRCLayer::new(self, obj)
end

def out(rule, obj, message)
  wrap(obj).output(rule, message) unless obj.is_empty?
end

# wafer.partial_dies of the build: -rd partial_dies=..., else the build manifest beside the layout (X.json)
def partial_dies
  return $partial_dies if $partial_dies
  stem = $input && File.basename($input).sub(/\.(gds|gds\.gz|oas)\z/i, "")
  manifest = stem && File.join(File.dirname($input), stem + ".json")
  wafer = manifest && File.file?(manifest) ? (JSON.parse(File.read(manifest))["wafer"] rescue nil) : nil
  return $partial_dies = "" unless wafer.is_a?(Hash)
  value = wafer["partial_dies"]
  unless ["exclude", "include"].include?(value)
    raise "#{manifest}: wafer.partial_dies = #{value.inspect}: the build manifest's wafer must say exclude or include"
  end
  $partial_dies = value
end

def top_box
  drawn?("DIE") ? L["DIE"].bbox : extent.data.bbox
end

def out_die(rule, message)
  out(rule, RBA::Region::new(top_box), message)
end

def drawn?(name)
  !L[name].is_empty?
end

def feature?(name)
  $features.include?(name)
end

def holds?(condition)
  condition =~ /\A[A-Z]/ ? (drawn?(condition) || feature?(condition)) : feature?(condition)
end

def disk(radius)
  return RBA::Polygon::new(RBA::Box::new(0, 0, 0, 0)) if radius <= 0
  chord = [um($chord_error), 1].max.to_f
  n = chord >= radius ? 8 : [8, 8 * (Math::PI / Math.acos(1.0 - chord / radius)).ceil.fdiv(8).ceil].max
  points = (0...n).collect { |i| RBA::Point::new((radius * Math.cos(2 * Math::PI * i / n)).truncate,
                                                  (radius * Math.sin(2 * Math::PI * i / n)).truncate) }
  RBA::Polygon::new(points)
end

def centres(region)
  region.extent_refs(0.5, 0.5, 0.5, 0.5, 1, 1)
end

# The diameter (dbu) of a round shape drawn with its vertices on its circle, else nil (as checks.round_diameter).
def round_diameter(poly)
  return nil if poly.holes > 0 || poly.num_points_hull < $round_vertices
  box = poly.bbox
  cx, cy = (box.left + box.right) / 2.0, (box.bottom + box.top) / 2.0
  radii = poly.each_point_hull.collect { |p| Math.hypot(p.x - cx, p.y - cy) }.sort
  return nil if radii[-1] - radii[0] > $on_round
  (2 * radii[radii.size / 2]).round
end

# Shapes narrower than d, a round shape measured by its diameter (as checks.min_width_round).
def width_round(region, d)
  narrow = region.width_check(d, false, RBA::Metrics::Projection)
  return narrow if narrow.is_empty?
  flagged = region.interacting(narrow.polygons(1)).dup
  flagged.flatten
  wide = RBA::Region::new
  known = {}  # shape (up to translation) -> a round one at least d across
  flagged.each do |p|
    box = p.bbox
    key = [p.num_points, box.width, box.height, p.area]
    known[key] = (round_diameter(p) || -$on_round) + $on_round >= d unless known.key?(key)
    wide.insert(p) if known[key]
  end
  return narrow if wide.is_empty?
  region.not_interacting(wide).width_check(d, false, RBA::Metrics::Projection)
end

# A rule needs layers: skipped when the process does not draw one of them here, a die marker per
# layer the process draws and the layout lacks (as maskgen's Run.need).
def need(rule, names)
  return false if names.any? { |n| !drawn?(n) && !$required.key?(n) }
  complete?(rule, names)
end

# a die marker for each of the layers that the process draws and the layout lacks; true when none is missing
def complete?(rule, names)
  missing = names.select { |n| !drawn?(n) && $required.key?(n) }
  missing.each { |n| out_die(rule, "layer #{n} is missing: process #{$process} draws it in #{$required[n]}") }
  missing.empty?
end

def stack_of(rule, names)
  return nil unless complete?(rule, names)
  present = names.select { |n| drawn?(n) }
  present.size >= 2 ? present : nil
end

def enclosed(rule, outer, inner, d, orphans, outer_name, inner_name)
  out(rule, outer.enclosing_check(inner.inside(outer), d), "#{outer_name} encloses #{inner_name} by less than the rule")
  if orphans
    out(rule, inner.not_inside(outer), "#{inner_name} is not inside #{outer_name}")
  else
    out(rule, inner.overlapping(outer).not_inside(outer), "#{inner_name} lies only partly inside #{outer_name}")
  end
end

def nested(rule, lower, upper, d, lower_name, upper_name)
  enclosed(rule, upper, lower, d, true, "#{upper_name} opening", "#{lower_name} opening")
  out(rule, upper.not_overlapping(lower), "#{upper_name} opening has no #{lower_name} opening below it")
end

def aligned(rule, lower, upper, max_offset, lower_name, upper_name)
  inner = lower.inside(upper)
  zone = centres(upper).minkowski_sum(disk(max_offset)).merged
  bad = centres(inner).not_inside(zone)
  out(rule, inner.interacting(bad), "#{lower_name} opening is off-centre in the #{upper_name} opening")
end
'''

def _cantilever_ruby(process: Process) -> str:
    key = embodiment_key(process)
    (two,) = key.two_layers
    either = " || ".join(f"drawn?({_q(n)})" for n in key.kept_layers)
    return f"""
# 004 embodiment from the drawing (as maskgen.drc.inference): INS2 means 6, else etch windows 160 a released portion
windows = L["INS1"].not_interacting(L["PAD"])
insulators = drawn?({_q(two)}) ? ["two_insulators"] : ["one_insulator"]
if drawn?({_q(two)})
  $features = insulators
elsif !windows.is_empty?
  $features = {_layers(key.release_features)} + insulators
elsif {either}
  $features = {_layers(sorted(key.kept_layers))}.select {{ |n| drawn?(n) }} + insulators
else
  $features = {_layers(key.release_features)} + insulators
end
"""


EMBODIMENT_RUBY = {"cantilever_wlcsp": _cantilever_ruby}
"""The embodiment inference in Ruby, for the processes whose recipe options decide which layers exist."""


def deck_text(pdk: Pdk, process: Process) -> str:
    """The Ruby DSL deck of one process: header, layers, what the process draws, one block per rule."""
    if process.name in EMBODIMENTS and process.name not in EMBODIMENT_RUBY:
        raise ValueError(f"no Ruby embodiment inference for process {process.name}")
    checked = [r for r in pdk.deck.rules if r.id in TEMPLATES]
    only = [r for r in pdk.deck.rules if r.id not in TEMPLATES]
    lines = [
        f"# maskgen DRC deck: PDK {pdk.name}, process {process.name} (seed {process.seed}: {process.title})",
        "# Generated by `maskgen deck` from rules.yaml, layers.yaml and processes/*.yaml; do not edit by hand.",
        f"# Run: klayout -b -r {process.name}.drc -rd input=LAYOUT.gds -rd report=LAYOUT.lyrdb",
        "#",
        "# Rules in this deck (id, value in um, claims):",
    ]
    if pdk.overridden:
        lines.insert(2, "# Rule values marked 'recipe' are the design's own (the recipe's rules:), in place of "
                        "rules.yaml's.")
    for r in checked:
        value = "-" if r.value is None else f"{r.value:g}"
        mine = f" (recipe; PDK {pdk.overridden[r.id]:g})" if r.id in pdk.overridden else ""
        lines.append(f"#   {r.id:18s} {value:>7s}  {r.description} [{', '.join(r.claims) or r.source}]{mine}")
    lines.append("# Checked by maskgen only (run `maskgen drc`):")
    for r in only:
        why = MASKGEN_ONLY.get(r.id, "no KLayout DSL template for this rule")
        lines.append(f"#   {r.id:18s} {why} [{', '.join(r.claims) or r.source}]")
    lines.append("# Without a build manifest the embodiment (004) is inferred from the drawing, as `maskgen drc` does.")
    lines.append("")
    lines.append(f"$report_title = {_q(f'maskgen deck {pdk.name}/{process.name}')}")
    lines.append(f"$process = {_q(process.name)}")
    lines.append(f"$chord_error = {pdk.deck.chord_error!r}")
    lines.append(f"$round_vertices = {ROUND_VERTICES}")
    lines.append(f"$on_round = {ON_ROUND}")
    lines.append(PRELUDE)
    lines.append("L = {}")
    for name, spec in pdk.layers.items():
        lines.append(f"L[{_q(name)}] = input({spec.layer}, {spec.datatype}).data  # {spec.description}")
    own = identifying_layers(pdk, process)
    lines.append("")
    lines.append(f"own = {_layers(own)}")
    lines.append('if own.none? { |n| drawn?(n) }')
    lines.append(f'  raise "the layout draws none of the layers of process {process.name} (#{{own.join(", ")}})"')
    lines.append("end")
    lines.append("$features = []")
    lines.append(EMBODIMENT_RUBY[process.name](process) if process.name in EMBODIMENT_RUBY else "")
    lines.append("# the layers each step of the process draws, and when (processes/*.yaml)")
    lines.append("steps = [")
    for step in process.steps:
        if step.layers:
            lines.append(f"  [{_q(step.name)}, {_layers(step.layers)}, {_layers(step.when)}],")
    lines.append("]")
    lines.append("$required = {}")
    lines.append("steps.each do |name, names, conditions|")
    lines.append("  names.each { |n| $required[n] ||= \"step '#{name}'\" } if conditions.all? { |c| holds?(c) }")
    lines.append("end")
    foreign = foreign_layers(pdk, process, set(pdk.layers))  # every layer of another process, if drawn
    lines.append(f"$foreign = {_layers(foreign)}")
    for r in checked:
        lines.append("")
        lines.append(f"# {r.id}: {r.description} ({'-' if r.value is None else f'{r.value:g} um'}) "
                     f"[{', '.join(r.claims) or r.source}]")
        lines.append("begin")
        lines.append(RUBY[CHECKS[r.id].op](r, CHECKS[r.id], process, pdk))
        lines.append("end")
    return "\n".join(lines) + "\n"


def lydrc_text(deck: str, name: str) -> str:
    """The deck wrapped as a KLayout macro (.lydrc) for KLayout's macro editor and DRC menu."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<klayout-macro>\n'
        f" <description>maskgen DRC: {escape(name)}</description>\n <version/>\n <category>drc</category>\n"
        " <prolog/>\n <epilog/>\n <doc/>\n <autorun>false</autorun>\n <autorun-early>false</autorun-early>\n"
        " <shortcut/>\n <show-in-menu>true</show-in-menu>\n <group-name>drc_scripts</group-name>\n"
        " <menu-path>tools_menu.drc.end</menu-path>\n <interpreter>dsl</interpreter>\n"
        " <dsl-interpreter-name>drc-dsl-xml</dsl-interpreter-name>\n"
        f" <text>{escape(deck)}</text>\n</klayout-macro>\n"
    )


def write_decks(pdk: Pdk, out: Path, process: str | None = None) -> list[Path]:
    """Write `<process>.drc` and `<process>.lydrc` for one process (or every process) into `out`."""
    from maskgen.drc.report import _atomic

    names = [process] if process else list(pdk.processes)
    written = []
    for name in names:
        proc = pdk.process(name, None, "--process")
        text = deck_text(pdk, proc)
        for path, body in ((out / f"{name}.drc", text), (out / f"{name}.lydrc", lydrc_text(text, name))):
            def write(tmp: Path, body: str = body) -> None:
                tmp.write_text(body, encoding="utf-8")
            _atomic(path, write)
            written.append(path)
    return written
