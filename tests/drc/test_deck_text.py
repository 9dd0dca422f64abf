"""The generated deck's text comes from the rules data: ids, values, claims, layer numbers; nothing typed twice."""

from __future__ import annotations

import shutil

import yaml

from maskgen.drc.lydrc import MASKGEN_ONLY, TEMPLATES, deck_text, write_decks
from maskgen.input.pdk import load_pdk


def test_every_rule_is_in_the_deck_or_listed_as_maskgen_only(pdk):
    for process in pdk.processes.values():
        text = deck_text(pdk, process)
        header = text.split("\n\n")[0]
        for rule in pdk.deck.rules:
            assert f"#   {rule.id} " in header, (process.name, rule.id)
            if rule.id in TEMPLATES:
                assert f"\n# {rule.id}: {rule.description}" in text
            else:
                assert f"# {rule.id}:" not in text.split("Checked by maskgen only")[1].split("\n\n", 1)[1]
        for rule_id, why in MASKGEN_ONLY.items():
            assert f"#   {rule_id:18s} {why}" in header.split("Checked by maskgen only")[1]


def test_values_and_layer_numbers_follow_the_pdk(tmp_path):
    """A PDK copy with RDL.WIDTH 12 um and RDL on 50/3: the deck checks 12 um on layer 50/3."""
    src = load_pdk().path
    dst = tmp_path / "mypdk"
    shutil.copytree(src, dst)
    rules = yaml.safe_load((dst / "rules.yaml").read_text())
    for rule in rules["rules"]:
        if rule["id"] == "RDL.WIDTH":
            rule["value"] = 12.0
    (dst / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    layers = yaml.safe_load((dst / "layers.yaml").read_text())
    layers["RDL"].update(layer=50, datatype=3)
    (dst / "layers.yaml").write_text(yaml.safe_dump(layers, sort_keys=False))
    pdk = load_pdk(str(dst))
    [drc, lydrc] = write_decks(pdk, tmp_path / "out", "cantilever_wlcsp")
    text = drc.read_text()
    assert 'L["RDL"] = input(50, 3).data' in text
    assert 'L["RDL"].width_check(um(12.0), false, RBA::Metrics::Projection)' in text
    assert "#   RDL.WIDTH               12  RDL minimum width" in text
    assert lydrc.read_text().startswith('<?xml version="1.0" encoding="utf-8"?>\n<klayout-macro>')


def test_deck_cli_writes_one_deck_per_process(cli, tmp_path, pdk):
    code, out, err = cli("deck", "--out", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{n}.{ext}" for n in pdk.processes for ext in ("drc", "lydrc"))
    code, out, err = cli("deck", "--process", "no_such", "--out", tmp_path / "x")
    assert code == 2 and "unknown process" in err and not (tmp_path / "x").exists()
