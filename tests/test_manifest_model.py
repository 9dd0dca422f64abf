"""Issue 21 item 3: the build manifest is one typed model, written by the build and parsed by every reader.

A renamed or unknown key in a written manifest is refused by `maskgen drc` with one line and exit 2 (it used to be
ignored, and the DRC gave another verdict); a written manifest parses and writes back to its own bytes; the JSON
Schema that `maskgen schema` prints is the committed docs/manifest.schema.json.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from maskgen.build import build
from maskgen.drc.context import ProcessContext, process_context
from maskgen.drc.deck import partial_dies_included
from maskgen.errors import InputError
from maskgen.input.manifest import BuildManifest, parse_manifest, read_manifest, schema_text
from maskgen.outputs.output import json_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SCHEMA = ROOT / "docs" / "manifest.schema.json"
sys.path.insert(0, str(ROOT / "tests" / "drc"))
from manifests import full_manifest, wafer_block  # noqa: E402


@pytest.fixture(scope="module")
def vehicle(tmp_path_factory):
    """The test vehicle (daisy chain, Kelvin links) built without DRC."""
    return build(TEMPLATES / "test_vehicle.yaml", tmp_path_factory.mktemp("tv"), run_drc=False)


def assert_round_trip(path: Path) -> None:
    """A written manifest parses into the model and writes back to the same bytes."""
    manifest = read_manifest(path)
    assert manifest is not None
    assert json_text(manifest.as_json()) == path.read_text(encoding="utf-8")


def test_a_written_manifest_parses_and_writes_back_to_its_bytes(vehicle):
    assert_round_trip(vehicle.files["json"])
    m = vehicle.manifest
    # typed blocks, read as attributes: the daisy chain's 48 die links and one per Kelvin structure (2)
    ts = m.test_structures
    assert ts is not None and ts.daisy_chains is not None
    assert (ts.daisy_chains[0].die_links, len(ts.kelvin), len(ts.die_links)) == (48, 2, 50)
    link = ts.die_links[0]
    assert link.as_json()["from"] == link.start and len(link.bumps) == 2
    assert m.wafer is None and m.routing is None and m.subarrays is None
    data = json.loads(vehicle.files["json"].read_text(encoding="utf-8"))
    assert "wafer" not in data and "pdk_path" not in data          # absent blocks stay absent, not null
    assert data["bump_types"][0]["stair"] is None                   # a null the build writes stays null


def test_figures_keep_their_json_type():
    """A whole number stays whole (1000, not 1000.0) and a decimal stays decimal: bytes round-trip."""
    data = full_manifest({"die": {"name": "TOP", "size": [1000, 1000.5], "bump_cell": "b", "arrays": 1,
                                  "naming": {"a1_corner": "top-left", "view": "top", "a1_corner_in_layout": "top-left",
                                             "a1_mark": 100, "labels": "LABEL", "a1": None}}})
    again = parse_manifest(data, "m.json").as_json()
    assert again["die"]["size"] == [1000, 1000.5] and isinstance(again["die"]["size"][0], int)
    assert json.dumps(again) == json.dumps(data)


TOP_KEYS = ("maskgen, name, recipe_file, recipe, pdk, pdk_path, rules, process, seed, features, materials, steps, "
            "layers, masks, die, bump_count, bump_types, outputs, subarrays, bumps, routing, test_structures, "
            "reliability, wafer")
WAFER_KEYS = ("cell, diameter_mm, die_step, die_count, rows, arrays, bump_count, die_grid_offset, whole_dies, "
              "partial_dies, die_count_centred, map, balls_placed")


@pytest.mark.parametrize("block,old,new,allowed", [
    ("test_structures", "die_links", "die_link", "die_links, electrical, daisy_chains, kelvin"),
    ("wafer", "partial_dies", "partial_die", WAFER_KEYS),
    (None, "bump_types", "bumptypes", TOP_KEYS),
])
def test_a_renamed_key_is_refused_by_drc_with_one_line(cli, vehicle, tmp_path, block, old, new, allowed):
    """A manifest with a renamed key: exit 2 and one line naming the file, the key and the keys allowed (today's
    main read a renamed test_structures.die_links as no links: RDL.CONNECT then flagged 50 link nets)."""
    data = json.loads(vehicle.files["json"].read_text(encoding="utf-8"))
    if block == "wafer":
        data["wafer"] = wafer_block("include")
    node = data[block] if block else data
    node[new] = node.pop(old)
    gds = Path(shutil.copy(vehicle.files["gds"], tmp_path / "tv.gds"))
    (tmp_path / "tv.json").write_text(json.dumps(data), encoding="utf-8")
    code, out, err = cli("drc", gds)
    where = f"{block}.{new}" if block else new
    assert code == 2, out + err
    assert err.strip().splitlines() == [f"maskgen: error: {tmp_path / 'tv.json'}: {where}: unknown key; did you "
                                        f"mean {old}? (allowed keys: {allowed})"]


def test_a_manifest_of_another_maskgen_is_refused(tmp_path):
    """A manifest missing a block the model requires (an older maskgen wrote none) names the key."""
    data = full_manifest({"process": "ball_drop"})
    del data["outputs"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_manifest(path)
    assert str(exc.value).startswith(f"{path}: outputs") and "\n" not in str(exc.value)
    data = full_manifest({"process": "ball_drop", "bump_count": True})    # a flag where a count belongs
    with pytest.raises(InputError, match="bump_count"):
        parse_manifest(data, path)


def test_the_deck_reads_the_wafer_block_through_typed_fields(tmp_path, pdk):
    """partial_dies_included and the WAFER layer the manifest requires come from manifest.wafer, typed."""
    layout = tmp_path / "w.gds"
    for choice, expected in (("include", True), ("exclude", False)):
        ctx = process_context(pdk, layout, None, full_manifest({"wafer": wafer_block(choice)}))
        assert isinstance(ctx.manifest, BuildManifest) and ctx.manifest.wafer is not None
        assert ctx.manifest.wafer.partial_dies == choice
        assert partial_dies_included(ctx) is expected
        assert ctx.required_layers([], pdk.layers)["WAFER"].startswith("the build manifest's wafer")
    plain = process_context(pdk, layout, None, full_manifest({}))
    assert not partial_dies_included(plain) and "WAFER" not in plain.required_layers([], pdk.layers)
    assert not partial_dies_included(ProcessContext())
    with pytest.raises(InputError, match=r"wafer.map.whole"):
        broken = wafer_block("include")
        broken["map"]["whole"] = 1.5
        process_context(pdk, layout, None, full_manifest({"wafer": broken}))


def test_the_committed_schema_is_the_models(cli, tmp_path):
    """docs/manifest.schema.json equals what the model generates (regenerate: maskgen schema --out
    docs/manifest.schema.json); `maskgen schema` prints it and --out writes it."""
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), "run: maskgen schema --out docs/manifest.schema.json"
    code, out, err = cli("schema")
    assert code == 0 and out == schema_text()
    code, out, err = cli("schema", "--out", tmp_path / "m.schema.json")
    assert code == 0 and (tmp_path / "m.schema.json").read_text(encoding="utf-8") == schema_text()
    schema = json.loads(schema_text())
    assert schema["additionalProperties"] is False and schema["$defs"]["WaferRecord"]["additionalProperties"] is False
    assert "partial_dies" in schema["$defs"]["WaferRecord"]["required"]
    assert set(schema["$defs"]["DieLink"]["properties"]) == {"bumps", "from", "to", "width"}
