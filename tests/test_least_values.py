"""A recipe value equal to a rule's least builds DRC clean; one just below is refused by the recipe checks
(issue 21): a 40 um passivation opening (PASV.WIDTH 40) is a 48-gon 39.909 um across its flats, and the DRC
measures a round opening by its diameter, as the mask list does."""

from __future__ import annotations

import pytest
import yaml

from maskgen.build import build
from maskgen.errors import InputError

RECIPE = {"name": "least", "pdk": "default", "process": "ball_drop",
          "materials": {"pad": "Al", "adhesion": "Ti", "wetting": "Cu", "polymer": "WBR2100"},
          "die": {"size": [2000, 2000], "bump_map": {"kind": "grid", "pitch": [400, 400], "count": [2, 2]}},
          "bump": {"pad": {"width": 55.1, "shape": "octagon"}, "passivation_opening": 40, "ubm_diameter": 60.1},
          "solder": {"alloy": "SAC305", "ball_diameter": 50}, "ball_drop": {"polymer_opening": 60.1}}


def _write(tmp_path, **bump):
    recipe = yaml.safe_load(yaml.safe_dump(RECIPE))
    recipe["bump"].update(bump)
    path = tmp_path / "least.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_least_values_build_clean(tmp_path):
    res = build(_write(tmp_path), tmp_path / "out")
    assert res.drc.clean
    assert res.drc.rule("PASV.WIDTH").status == "pass"
    assert res.drc.rule("UBM.COVERS_PASV").status == "pass" and res.drc.rule("PASV.IN_PAD").status == "pass"


@pytest.mark.parametrize(("key", "value"), [("passivation_opening", 39.99), ("ubm_diameter", 60.09)])
def test_just_below_is_refused(tmp_path, key, value):
    with pytest.raises(InputError) as err:
        build(_write(tmp_path, **{key: value}), tmp_path / "out")
    assert err.value.key == f"bump.{key}"
