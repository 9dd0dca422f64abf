"""report.html: what the page holds, read back from the written file (pictures decoded, tables parsed)."""

from __future__ import annotations

import base64
import io
import re
import shutil
from html.parser import HTMLParser

import klayout.db as kdb
import pytest
from PIL import Image

from maskgen.build import build
from maskgen.input.pdk import data_root
from maskgen.report import REPORT, sinf_bins, write_report
from maskgen.report.plots import sweep_svg, wafer_svg
from maskgen.report.shots import MARKER


class Page(HTMLParser):
    """The parts of a report the tests read: images (alt, src), section ids, and the rows of each table."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.sections: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        elif tag == "section":
            self._section = a["id"]
            self.sections.append(a["id"])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._section, []).append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def picture(self, alt_start: str) -> Image.Image:
        """The embedded PNG whose alt text starts so, decoded."""
        img = next(i for i in self.images if i["alt"].startswith(alt_start))
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        return Image.open(io.BytesIO(base64.b64decode(data)))


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    """The default template built with DRC, and its report."""
    out = tmp_path_factory.mktemp("report")
    res = build(data_root() / "templates" / "default.yaml", out)
    path = write_report(res.files["gds"], res.drc)
    return res, path


def test_default_report_holds_pictures_legend_drc_and_bump_figures(default_build):
    res, path = default_build
    assert path == res.out_dir / REPORT
    page = Page(path.read_text(encoding="utf-8"))
    assert page.sections == ["pictures", "life", "drc", "bumps", "masks", "process", "recipe"]
    die, bump = page.picture("die: default"), page.picture("bump: ")
    assert die.size == bump.size == (600, 450)
    # the bump picture is the bump cell: its name is the manifest's bump cell
    assert page.images[1]["alt"] == f"bump: {res.manifest.as_json()['die']['bump_cell']}"
    legend = page.tables["pictures"][1:]
    assert [r[1] for r in legend] == [la["name"] for la in res.manifest.as_json()["layers"]]
    assert ["UBM", "3/0", "material"] == legend[[r[1] for r in legend].index("UBM")][1:4]
    rules = page.tables["drc"][1:]
    assert [r[0] for r in rules] == [r.id for r in res.drc.rules]
    assert {r[0]: r[1] for r in rules}["BUMP.SPACE"] == "pass"
    assert "clean: 0 violations" in path.read_text(encoding="utf-8")
    # the bump type row: 144 bumps, UBM 215, reflow width 260.933 um, bridging margin 139.067 um (manifest figures)
    head, row = page.tables["bumps"]
    figures = dict(zip(head, row, strict=True))
    assert figures["bumps"] == "144" and figures["UBM (um)"] == "215"
    assert figures["reflow width (um)"] == "260.933" and figures["bridging margin (um)"] == "139.067"
    masks = page.tables["masks"][1:]
    assert [r[1] for r in masks] == ["PAD", "PASV", "UBM", "POLY"] and masks[3][4] == "dark"


def test_default_report_holds_the_joint_life_and_its_n50_map(default_build):
    """The default recipe's reliability block: -40/125 C, 15 min dwell on FR-4; the corner bump A1 at DNP
    3,111 um (11 x 400 um / 2 across both axes: 2200 * sqrt(2)) has the shortest life, 667 cycles (tests of
    maskgen.design.reliability work it by hand); the map colours it red (#d73027) and the centre green."""
    res, path = default_build
    page = Page(path.read_text(encoding="utf-8"))
    head, row = page.tables["life"]
    figures = dict(zip(head, row, strict=True))
    assert figures["cycle"] == "-40 / 125 C, 15 min" and figures["board"] == "FR-4"
    assert figures["worst bump"] == "A1" and figures["DNP (um)"] == "3,111.27" and figures["N50 (cycles)"] == "666.55"
    assert "Worst bump of the die: A1 (base), N50 667 cycles at DNP 3,111 um." in path.read_text(encoding="utf-8")
    picture = page.picture("N50 map").convert("RGB")
    assert picture.size == (900, 675)
    colours = {c for _, c in picture.getcolors(900 * 675)}
    assert (0xD7, 0x30, 0x27) in colours and (0x1A, 0x98, 0x50) in colours


def test_report_is_the_same_bytes_and_leaves_no_temporary_file(default_build):
    res, path = default_build
    first = path.read_bytes()
    write_report(res.files["gds"], res.drc)
    assert path.read_bytes() == first
    assert sorted(p.name for p in res.out_dir.iterdir()) == sorted([REPORT, *(p.name for p in res.files.values())])


def test_nothing_on_the_page_points_outside_it(default_build):
    _, path = default_build
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text)
    assert "default-src 'none'; img-src data:" in text


def test_a_dirty_layout_gets_a_closeup_per_failed_rule(default_build, tmp_path, cli):
    res, _ = default_build
    ly = kdb.Layout()
    ly.read(str(res.files["gds"]))
    # a stray UBM island over no pad opening, 100 um from bump A1's centre (-2200, -2200): UBM.ISLAND and BUMP.PITCH
    ly.top_cell().shapes(ly.layer(3, 0)).insert(kdb.DBox(-2050, -2050, -1950, -1950))
    ly.write(str(tmp_path / "default.gds"))
    for kind in ("json", "lyp"):
        shutil.copy(res.files[kind], tmp_path)
    code, out, err = cli("report", tmp_path / "default.gds")
    assert code == 0, out + err
    page = Page((tmp_path / REPORT).read_text(encoding="utf-8"))
    failed = {r[0]: r[2] for r in page.tables["drc"][1:] if r[1] == "fail"}
    assert set(failed) == {"UBM.ISLAND", "BUMP.PITCH"} and failed["UBM.ISLAND"] == "1"
    closeups = [i["alt"].split(":")[0] for i in page.images[3:]]                   # die, bump, N50 map first
    assert closeups == ["UBM.ISLAND", "BUMP.PITCH"]
    # the UBM.ISLAND close-up is centred on the stray island, outlined in the marker colour
    pic = page.picture("UBM.ISLAND").convert("RGB")
    red = tuple((MARKER >> s) & 0xFF for s in (16, 8, 0))
    w, h = pic.size
    ring = [pic.getpixel((x, y)) for x in range(w // 4, 3 * w // 4) for y in range(h // 4, 3 * h // 4)]
    assert ring.count(red) > 100


def test_build_writes_the_report_unless_told_not_to(cli, tmp_path):
    code, out, err = cli("build", "default", "--out", tmp_path / "a", "--no-report")
    assert code == 0, out + err
    assert not (tmp_path / "a" / "default" / REPORT).exists() and "\nreport " not in out
    code, out, err = cli("build", "default", "--out", tmp_path / "b", "--no-drc")
    assert code == 0, out + err
    path = tmp_path / "b" / "default" / REPORT
    assert f"report {path}" in out
    assert "DRC was not run for this build (--no-drc)." in path.read_text(encoding="utf-8")


def test_report_of_a_layout_without_manifest_is_one_line(cli, tmp_path, default_build):
    res, _ = default_build
    shutil.copy(res.files["gds"], tmp_path / "chip.gds")
    code, out, err = cli("report", tmp_path / "chip.gds")
    assert code == 2
    assert err.strip().splitlines() == [f"maskgen: error: {tmp_path / 'chip.gds'}: no build manifest beside it "
                                        "(chip.json): the report takes the recipe, process and figures from the "
                                        "manifest `maskgen build` writes"]
    assert not (tmp_path / REPORT).exists()


def _texts(svg: str) -> list[str]:
    """The texts matplotlib drew (each glyph run is preceded by a comment holding its text)."""
    return re.findall(r"<!-- (.*?) -->", svg)


def test_sweep_plot_marks_refused_points_and_draws_each_figure():
    rows = [{"bump.ubm_diameter": 190.0, "solder.ball_diameter": 250.0, "verdict": "invalid", "reflow_height": None},
            {"bump.ubm_diameter": 215.0, "solder.ball_diameter": 250.0, "verdict": "clean", "reflow_height": 204.4,
             "reflow_width": 260.9, "bridging_margin": 139.1},
            {"bump.ubm_diameter": 240.0, "solder.ball_diameter": 250.0, "verdict": "dirty", "reflow_height": 193.5,
             "reflow_width": 268.0, "bridging_margin": 132.0}]
    svg = sweep_svg(["bump.ubm_diameter", "solder.ball_diameter"], rows)
    texts = _texts(svg)
    assert texts.count("bump.ubm_diameter") == 3          # three panels: height, width, margin (no stiffness)
    assert {"reflow height (um)", "reflow width (um)", "bridging margin (um)"} <= set(texts)
    assert "stiffness (N/m)" not in texts
    assert "refused" in texts and "ball_diameter 250" in texts
    assert sweep_svg(["bump.ubm_diameter", "solder.ball_diameter"], rows) == svg      # same bytes
    rows[1]["n50"], rows[2]["n50"] = 640.5, 702.0            # a recipe with reliability: the N50 panel joins
    assert "worst-bump N50 (cycles)" in _texts(sweep_svg(["bump.ubm_diameter", "solder.ball_diameter"], rows))


def test_wafer_map_bins_read_back_from_sinf_and_counted_in_the_legend():
    sinf = "ROWCT:2\nCOLCT:3\nRowData:__ FF 01\nRowData:EF 01 FA\n"
    grid = sinf_bins(sinf)
    assert grid == [["bad", "whole", "partial"], ["", "excluded", "whole"]]      # bottom row first
    texts = _texts(wafer_svg(100, (10000, 10000), (-15000, -10000), grid, (9900, 9900)))
    assert {"whole: 2", "partial: 1", "bad: 1", "excluded (edge): 1"} <= set(texts)


def test_the_browser_check_catches_a_picture_from_the_network(tmp_path):
    from chromium import assert_page_loads_offline, page_images
    ok = base64.b64encode(Image.new("RGB", (4, 3)).tobytes()).decode()  # not a PNG: must not decode
    page = tmp_path / "page.html"
    page.write_text(f'<html><body><img alt="far" src="http://example.com/x.png">'
                    f'<img alt="broken" src="data:image/png;base64,{ok}"></body></html>', encoding="utf-8")
    loaded = page_images(page.resolve().as_uri())
    assert [(i["alt"], i["width"]) for i in loaded.images] == [("far", 0), ("broken", 0)]
    assert "http://example.com/x.png" in loaded.requests
    with pytest.raises(AssertionError, match="images that did not load"):
        assert_page_loads_offline(page)


def test_a_manifest_the_report_cannot_read_is_one_line(cli, tmp_path, default_build):
    res, _ = default_build
    shutil.copy(res.files["gds"], tmp_path / "default.gds")
    (tmp_path / "default.json").write_text('{"recipe": {}, "process": "ball_drop", "die": {}}')
    code, out, err = cli("report", tmp_path / "default.gds")
    assert code == 2 and err.strip() == f"maskgen: error: {tmp_path / 'default.json'}: maskgen: required key is missing"
    (tmp_path / "default.json").write_text("[1, 2")
    code, out, err = cli("report", tmp_path / "default.gds")
    assert code == 2 and err.strip() == f"maskgen: error: {tmp_path / 'default.json'}: malformed JSON manifest: " \
                                        "line 1, column 6: Expecting ',' delimiter"
    assert not (tmp_path / REPORT).exists()


def test_mask_list_critical_dimensions_join_the_report_once_masks_are_written(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "default", "--out", out, "--no-drc", "--no-report")[0] == 0
    assert cli("masks", "default", "--out", out)[0] == 0
    code, stdout, err = cli("report", out / "default" / "default.gds", "--no-drc")
    assert code == 0, stdout + err
    page = Page((out / "default" / REPORT).read_text(encoding="utf-8"))
    cds = {row[1]: row[8] for row in page.tables["masks"][1:]}
    # POLY: 280 um openings at 400 um pitch leave 120 um between them (README's mask set example)
    assert cds == {"PAD": "160", "PASV": "180", "UBM": "185", "POLY": "120"}
    assert "run `maskgen masks`" not in (out / "default" / REPORT).read_text(encoding="utf-8")
