"""DRC report writers: KLayout marker database (.lyrdb), JSON and JUnit XML, each written atomically."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import klayout.rdb as rdb

from maskgen.atomic import atomic
from maskgen.drc.result import DrcResult

FIRST_LOCATIONS = 10
"""Violation locations listed in a JUnit failure."""


def write_reports(result: DrcResult, lyrdb: Path | None = None, json_path: Path | None = None,
                  junit: Path | None = None) -> None:
    """Write the marker database, the JSON report and the JUnit XML that were asked for (temp file + rename)."""
    if lyrdb is not None:
        _atomic(Path(lyrdb), lambda tmp: marker_database(result).save(str(tmp)))
    if json_path is not None:
        _atomic(Path(json_path), lambda tmp: tmp.write_text(json_text(result), encoding="utf-8"))
    if junit is not None:
        _atomic(Path(junit), lambda tmp: tmp.write_bytes(junit_xml(result)))


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through the one atomic writer (temporary file in the destination folder, then renamed)."""
    atomic(Path(path), write)


def _category_text(rule_description: str, claims: list[str], value: float | None, source: str = "pdk") -> str:
    cited = f" [{', '.join(claims)}]" if claims else ""
    mine = ", the recipe's rules:" if source == "recipe" else ""
    limit = f" (value {value:g} um{mine})" if value is not None else ""
    return f"{rule_description}{limit}{cited}"


def marker_database(result: DrcResult) -> rdb.ReportDatabase:
    """The violations as a KLayout report database: one category per rule id, items in um on the top cell."""
    name = Path(result.layout).name  # not the folder: the same layout gives the same bytes wherever it is built
    db = rdb.ReportDatabase("maskgen DRC")
    db.description = (f"maskgen DRC of {name} (PDK {result.pdk}, process {result.process or 'none'} from "
                      f"{result.process_source or 'nowhere'}): {result.verdict()}")
    db.generator = "maskgen drc"
    db.original_file = name
    db.top_cell_name = result.top_cell
    cell = db.create_cell(result.top_cell)
    categories = {}
    for r in result.rules:
        cat = db.create_category(r.id)
        text = _category_text(r.description, r.claims, r.value, r.source)
        if r.status == "n/a":
            text += f" -- not applicable: {r.reason}"
        elif r.capped:
            text += f" -- {r.count} violations, first {r.listed} listed (marker limit)"
        cat.description = text
        categories[r.id] = cat
    for v in result.violations:
        item = db.create_item(cell.rdb_id(), categories[v.rule].rdb_id())
        item.add_value(v.shape)
        item.add_value(v.message)
    return db


def json_text(result: DrcResult) -> str:
    """The JSON report: clean, layout, pdk, process, rules and violations (sorted, stable)."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def junit_xml(result: DrcResult) -> bytes:
    """The JUnit XML report: one test case per rule, failures with count and first locations, n/a skipped."""
    failures = sum(1 for r in result.rules if r.status == "fail")
    skipped = sum(1 for r in result.rules if r.status == "n/a")
    suites = ET.Element("testsuites", name="maskgen drc", tests=str(len(result.rules)),
                        failures=str(failures), errors="0", skipped=str(skipped), time="0")
    suite = ET.SubElement(suites, "testsuite", name=f"maskgen.drc {result.layout}",
                          tests=str(len(result.rules)), failures=str(failures), errors="0",
                          skipped=str(skipped), time="0")
    for r in result.rules:
        case = ET.SubElement(suite, "testcase", classname="maskgen.drc", name=r.id, time="0")
        if r.status == "fail":
            found = result.violations_of(r.id)
            lines = [f"{v.message} at [{', '.join(f'{c:g}' for c in v.bbox)}] um" for v in found[:FIRST_LOCATIONS]]
            if r.count > len(lines):
                more = f"... and {r.count - len(lines)} more"
                if r.capped:
                    more += f" ({r.listed} listed in the marker database: marker limit)"
                lines.append(more)
            failure = ET.SubElement(case, "failure", type="drc",
                                    message=f"{r.count} violation{'s' if r.count != 1 else ''} of {r.id}: "
                                            f"{r.description} [{', '.join(r.claims)}]")
            failure.text = "\n".join(lines)
        elif r.status == "n/a":
            ET.SubElement(case, "skipped", message=f"not applicable: {r.reason}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
