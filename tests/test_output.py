"""Output writers: JSON manifests read back equal to what was written, with one bump record per line."""

from __future__ import annotations

import json

from maskgen.outputs.output import json_text


def test_json_text_round_trips_and_puts_one_record_per_line():
    bumps = [{"name": f"A{i}", "x": i * 0.5, "y": -1.25, "net": "VDD\u00b5"} for i in range(20)]
    data = {"name": "t", "bumps": bumps, "nested": {"list": [1, 2, 3]}, "short": [{"a": 1}]}
    text = json_text(data)
    assert json.loads(text) == data
    assert list(json.loads(text)) == ["name", "bumps", "nested", "short"]     # key order kept
    lines = text.splitlines()
    assert '    {"name": "A3", "x": 1.5, "y": -1.25, "net": "VDD\u00b5"},' in lines
    assert sum(line.startswith('    {"name": "A') for line in lines) == 20
    assert text.endswith("}\n") and '"short": [\n    {\n      "a": 1' in text   # short lists stay indented


def test_json_text_of_other_values():
    assert json.loads(json_text([1, {"a": 2}])) == [1, {"a": 2}]
    assert json_text({}) == "{}\n"
