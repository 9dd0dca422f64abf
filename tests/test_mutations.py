"""Hostile recipes generated from the shipped templates: every key deleted, given a wrong type, out of range,
huge, misspelled. Each builds (exit 0, outputs written) or is refused with exit 2 and one line on stderr naming
the key, with no traceback and nothing written, in under 5 s. The CLI runs in-process (typer's runner), except
for a few true subprocesses proving that no traceback reaches stderr.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import time

import klayout.db as kdb
import pytest
import yaml

from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
HUGE = 10**12


def _paths(node, prefix=()):
    """Every key path of a YAML tree (dict keys; list items that are mappings, as indices)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k), v
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, dict):
                yield from _paths(v, (*prefix, i))


def _dotted(path) -> str:
    """A key path as error messages write it: stair.resists[0].material."""
    out = ""
    for p in path:
        out = f"{out}[{p}]" if isinstance(p, int) else (f"{out}.{p}" if out else p)
    return out


def _misspell(key: str) -> str:
    """The key with its last two letters swapped (ubm_diameter -> ubm_diametre), or doubled when they match."""
    if len(key) >= 2 and key[-1] != key[-2]:
        return key[:-2] + key[-1] + key[-2]
    return key + key[-1]


def _wrong_type(value):
    """A value of another type than the template's."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int | float):
        return "wide"
    if isinstance(value, str):
        return [1, 2] if not value.replace(".", "").isdigit() else {"x": 1}
    if isinstance(value, list):
        return {"a": 1} if value and not isinstance(value[0], int | float) else "wide"
    return "wide"


def _out_of_range(value):
    """A value of the right type but outside what makes sense (negative, zero, empty, unknown name)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return -value if value else -1
    if isinstance(value, str):
        return value + "_nonesuch"
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return [0 for _ in value]
    if isinstance(value, list):
        return []
    return None


def _huge(value):
    """A value far too large (10^12 where a number goes, a list of 10^4 entries where a list of numbers goes)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return HUGE
    if isinstance(value, float):
        return float(HUGE)
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return [HUGE for _ in value]
    if isinstance(value, str):
        return value * 1000
    return None


def _get(data, path):
    for p in path:
        data = data[p]
    return data


def _edit(data, path, how, value=None):
    parent = _get(data, path[:-1])
    if how == "delete":
        del parent[path[-1]]
    elif how == "misspell":
        parent[_misspell(path[-1])] = parent.pop(path[-1])
    else:
        parent[path[-1]] = value


ROUTED_ONLY = ("die",)
"""Keys of fanout_csv mutated: its die block (pads, routing, CSV maps). Its other keys share the schema of
ball_drop and default, mutated there; a fan-out that builds spends ~3 s routing, and keeping those cases out
keeps the set fast."""


def _same_recipe(data, base) -> bool:
    """True when the mutation validates to the template's own recipe (a deleted key that had its default)."""
    from pydantic import ValidationError

    from maskgen.input.recipe import Recipe
    def model(d):
        r = Recipe.model_validate(d)
        return r.model_copy(update={"die": r.die.model_copy(update={"routing": r.die.fan_out})})
    try:
        return model(data) == model(base)
    except ValidationError:
        return False


def mutations():
    """(id, template, yaml data, mutated key path, kind) for every key of every shipped template, deterministic;
    mutations that leave the recipe as it was (a key deleted that held its default) are left out."""
    out = []
    for tpl in sorted(TEMPLATES.glob("*.yaml")):
        base = yaml.safe_load(tpl.read_text())
        for path, value in _paths(base):
            if tpl.stem == "fanout_csv" and path[0] not in ROUTED_ONLY:
                continue
            key = _dotted(path)
            kinds = [("delete", None)]
            if isinstance(path[-1], str):
                kinds.append(("misspell", None))
            kinds.append(("wrong_type", _wrong_type(value)))
            for name, fn in (("out_of_range", _out_of_range), ("huge", _huge)):
                v = fn(value)
                if v is not None:
                    kinds.append((name, v))
            for how, v in kinds:
                data = copy.deepcopy(base)
                _edit(data, path, how, v)
                if _same_recipe(data, base):
                    continue
                out.append((f"{tpl.stem}:{key}:{how}", tpl, data, path, how))
    return out


MUTATIONS = mutations()


def test_at_least_300_mutations_from_every_template():
    assert len(MUTATIONS) >= 300
    assert {m[1].stem for m in MUTATIONS} == {t.stem for t in TEMPLATES.glob("*.yaml")}
    assert {m[4] for m in MUTATIONS} == {"delete", "misspell", "wrong_type", "out_of_range", "huge"}


def _named(line: str, path, how: str, data) -> bool:
    """The error line names the mutated key (the misspelt one for a misspelling); for a deleted optional key,
    the key or block whose check now fails may be named instead (stair: `fill: plate needs plated_height`;
    two_step.rdl gone: `materials.rdl` has no RDL step to fill)."""
    key = _dotted(path)
    if how == "misspell":
        return _dotted((*path[:-1], _misspell(path[-1]))) in line
    if key in line:
        return True
    if how != "delete":
        return False
    recipe_keys = {_dotted(p) for p, _ in _paths(data)} | {"die.bump_map.max_bumps", "wafer.max_dies",
                                                           "die.routing.max_grid_cells", "die.bump_map.file"}
    return any(f"{k} =" in line or f"{k}:" in line or f"{k} " in line for k in recipe_keys)


@pytest.mark.parametrize("case", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutated_recipe_builds_or_is_refused_in_one_line(cli, tmp_path, case):
    _, tpl, data, path, how = case
    for csv in TEMPLATES.glob("*.csv"):
        shutil.copy(csv, tmp_path)
    recipe = tmp_path / "mutant.yaml"
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    start = time.perf_counter()
    code, stdout, stderr = cli("build", recipe, "--out", out, "--no-drc")
    seconds = time.perf_counter() - start
    assert seconds < 60.0, f"{seconds:.1f} s: a hang, not a speed (speed is measured by benchmarks/)"
    assert "Traceback" not in stderr + stdout
    if code == 0:
        name = data.get("name", "")
        gds = out / name / f"{name}.gds"
        assert gds.is_file() and (out / name / f"{name}.json").is_file()
        ly = kdb.Layout()
        ly.read(str(gds))
        assert [c.name for c in ly.top_cells()] == [f"{name}_wafer" if data.get("wafer") else name], \
            "one top cell: no cell made and left unplaced"
        return
    assert code == 2, (code, stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("maskgen: error: ") and str(recipe) in lines[0]
    assert _named(lines[0], path, how, data), lines[0]
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


SUBPROCESS_CASES = [
    ("cantilever_wlcsp", ("die", "bump_map", "count"), [10, HUGE], "die.bump_map.count"),
    ("default", ("bump", "ubm_diameter"), "misspell", "bump.ubm_diametre: unknown key; did you mean ubm_diameter?"),
    ("fanout_csv", ("die", "pads", "file"), "missing.csv", "die.pads.file = 'missing.csv'"),
    ("wafer_300mm", ("die", "size"), [1, 1], "wafer.max_dies"),
]


@pytest.mark.parametrize("tpl,path,value,needle", SUBPROCESS_CASES, ids=[c[0] for c in SUBPROCESS_CASES])
def test_true_subprocess_prints_one_line_and_no_traceback(tmp_path, tpl, path, value, needle):
    data = yaml.safe_load((TEMPLATES / f"{tpl}.yaml").read_text())
    _edit(data, path, "misspell" if value == "misspell" else "set", value)
    for csv in TEMPLATES.glob("*.csv"):
        shutil.copy(csv, tmp_path)
    recipe = tmp_path / "mutant.yaml"
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "maskgen.cli", "build", str(recipe), "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert needle in res.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_mutation_recipes_are_deterministic():
    again = mutations()
    assert [(m[0], m[2]) for m in again] == [(m[0], m[2]) for m in MUTATIONS]
    assert len({m[0] for m in MUTATIONS}) == len(MUTATIONS)


def test_no_mutation_is_the_template_itself():
    bases = {t.stem: yaml.safe_load(t.read_text()) for t in TEMPLATES.glob("*.yaml")}
    assert not any(_same_recipe(m[2], bases[m[1].stem]) for m in MUTATIONS)


def test_mutations_cover_the_keys_the_issue_names():
    ids = {m[0] for m in MUTATIONS}
    assert "cantilever_wlcsp:die.bump_map.count:huge" in ids
    assert "default:bump.ubm_diameter:misspell" in ids
    assert "default:die.bump_map.pitch:wrong_type" in ids

