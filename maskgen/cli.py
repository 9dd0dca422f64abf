"""The `maskgen` command line: a thin typer layer over functions that tests call directly."""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from maskgen.errors import InputError, check_choices

app = typer.Typer(
    name="maskgen",
    help="Photomask layouts, claim-derived DRC and pictures for wafer-bumping and WLCSP processes.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])

OutOpt = Annotated[Path, typer.Option("--out", help="Output folder.")]
PdkOpt = Annotated[str | None, typer.Option("--pdk", help="PDK name or path to a PDK folder.")]
MaxSitesOpt = Annotated[int | None, typer.Option(
    "--max-sites", min=1, help="Accept bump maps (grid, staggered, ring, CSV) and chip pad layers with up to "
    "this many sites (default: the recipe's max_bumps/max_pads, 100,000).")]
MaxGridOpt = Annotated[int | None, typer.Option(
    "--max-grid-cells", min=1, help="Accept a fan-out routing grid of up to this many nodes "
    "(default: the recipe's die.routing.max_grid_cells, 4,000,000).")]
RecipeArg = Annotated[Path | None, typer.Argument(help="Recipe YAML or template name; default: the default template.")]


def _click_help(doc: str | None) -> str:
    """A command docstring as help text: prose paragraphs rewrapped, example blocks kept line by line."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(f"\b\n{p}" if p.lstrip().startswith("Example") else p for p in paragraphs)


def command(name: str | None = None) -> Callable[[F], F]:
    """Register a CLI command whose help comes from its docstring (see _click_help)."""
    def register(fn: F) -> F:
        text = _click_help(fn.__doc__)
        return app.command(name, help=text, short_help=text.split("\n\n")[0].replace("\n", " "))(fn)
    return register


def _version(value: bool) -> None:
    """--version: print the version of maskgen and its engines, exit 0."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        import klayout.db as kdb
        try:
            mine = version("maskgen")
        except PackageNotFoundError:
            from maskgen import __version__ as mine
        klayout_version = kdb.__version__  # type: ignore[attr-defined]  # set at run time, not in klayout's stub
        typer.echo(f"maskgen {mine} (klayout {klayout_version}, gdstk {version('gdstk')}, "
                   f"python {sys.version.split()[0]})")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Photomask layouts, claim-derived DRC and pictures for wafer-bumping and WLCSP processes."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


def _err(line: str) -> None:
    """Print one error line to stderr."""
    typer.echo(f"maskgen: error: {line}", err=True)


MaxFileOpt = Annotated[int | None, typer.Option(
    "--max-file-mb", min=1, help="Read files of up to this many MB (default: 100 for text files, 2000 for "
    "layouts).")]
MaxShapesOpt = Annotated[int | None, typer.Option(
    "--max-shapes", min=1, help="Accept layouts of up to this many shapes seen flat (default: 200,000,000).")]


def guarded(fn: F) -> F:
    """Run a command in maskgen.guard (one line on stderr and exit 2 for bad input or an engine's error, 130 on
    Ctrl-C, writes confined to --out); adds --max-file-mb and --max-shapes to the command."""
    from maskgen.guard import Stopped, guard

    @functools.wraps(fn)
    def wrapper(*args: Any, max_file_mb: int | None = None, max_shapes: int | None = None, **kwargs: Any) -> Any:
        target = kwargs.get("layout") or kwargs.get("recipe")
        out = kwargs.get("out") if fn.__name__ in ("build", "masks", "render", "xsection", "deck") else None
        try:
            with guard(fn.__name__.rstrip("_"), target, out, max_file_mb, max_shapes):
                return fn(*args, **kwargs)
        except Stopped as exc:
            _err(exc.line)
            raise typer.Exit(exc.code) from None
    sig = inspect.signature(fn, eval_str=True)
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=a)
             for n, a in (("max_file_mb", MaxFileOpt), ("max_shapes", MaxShapesOpt))]
    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *extra])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {**fn.__annotations__, "max_file_mb": MaxFileOpt, "max_shapes": MaxShapesOpt}
    return wrapper  # type: ignore[return-value]


def default_recipe() -> Path:
    """The default template shipped with maskgen."""
    from maskgen.input.pdk import data_root
    return data_root() / "templates" / "default.yaml"


def _recipe_path(recipe: Path | None) -> Path:
    """A recipe argument: a path, a template name (e.g. ball_drop), or the default template."""
    from maskgen.input.pdk import data_root
    if recipe is None:
        return default_recipe()
    if not recipe.exists() and recipe.suffix == "" and (data_root() / "templates" / f"{recipe}.yaml").is_file():
        return data_root() / "templates" / f"{recipe}.yaml"
    if not recipe.is_file():
        from maskgen.input.files import check_file, problem
        if problem(recipe) != "not found":
            check_file(recipe, "recipe file")
        raise InputError(recipe, None, None, "recipe file not found (give a path or a template name: "
                         "see `maskgen list`)")
    return recipe


def _progress() -> Callable[[str], None]:
    """Progress lines on stderr (quiet when stderr is not a terminal, e.g. in CI logs)."""
    if not sys.stderr.isatty():
        return lambda _msg: None
    from rich.console import Console
    console = Console(stderr=True)
    return lambda msg: console.print(f"[dim]... {msg}[/dim]")


@contextlib.contextmanager
def _route_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while the RDL router works: shown from the router's first report until it has
    done all it counts (none for a build that routes nothing, nor when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    shown: list[tuple[Progress, Any]] = []

    def advance(done: int, total: int) -> None:
        if not shown:
            bar = Progress(TextColumn("routing RDL"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           console=Console(stderr=True), transient=True)
            bar.start()
            shown.append((bar, bar.add_task("route", total=total)))
        bar, task = shown[0]
        bar.update(task, completed=done, total=total)
        if done >= total:
            bar.stop()
            shown.clear()
    try:
        yield advance
    finally:
        for bar, _ in shown:
            bar.stop()


def _cd_text(entry: dict) -> str:
    """A mask list entry's critical dimension for the terminal: value, kind and where."""
    if entry["critical_dimension"] is None:
        return "    -    (nothing drawn)"
    x, y = entry["cd_at"]
    rule = ""
    if entry.get("cd_rule"):
        below = " BELOW" if entry["cd_below_rule"] else ""
        rule = f" [{entry['cd_rule']} {entry['cd_rule_um']:g} um, {entry['cd_rule_source']}{below}]"
    return f"{entry['critical_dimension']:8.3f} um {entry['cd_kind']} at ({x:g}, {y:g}){rule}"


@command()
@guarded
def build(
    recipe: RecipeArg = None,
    out: OutOpt = Path("out"),
    pdk: PdkOpt = None,
    oasis: Annotated[bool, typer.Option("--oasis", help="Also write <name>.oas.")] = False,
    no_drc: Annotated[bool, typer.Option("--no-drc", help="Skip the DRC run at the end.")] = False,
    allow_dirty: Annotated[bool, typer.Option("--allow-dirty", help="Exit 0 even if DRC finds violations.")] = False,
    max_sites: MaxSitesOpt = None,
    max_grid_cells: MaxGridOpt = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Build a sweep's points in this many "
                                             "processes (default: every core).")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Send a sweep's points to the Dask distributed "
                                             "scheduler at this address (tcp://host:8786); its workers write "
                                             "into the shared --out (pip install 'maskgen[cluster]').")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write out/<name>/report.html.")] = False,
) -> None:
    """Build a recipe into out/<name>/: GDS, .lyp, manifest JSON, DRC markers, the KiCad footprint and report.html.

    Examples:
      maskgen build                               # the default template
      maskgen build templates/cantilever_wlcsp.yaml --oasis
      maskgen build my_recipe.yaml --pdk ./my_pdk --out build/
      maskgen build sweep_ubm_ball                # a DOE sweep: every point, and out/<name>/sweep.csv
      maskgen build sweep_ubm_ball --jobs 2       # the sweep's points in 2 processes (--dask ADDRESS: a cluster)
      maskgen build sweep_subarrays               # a DOE sweep as sub-arrays of one die, and sweep.csv
    """
    from maskgen.build import build as do_build
    from maskgen.outputs.report import summary_table

    path = _recipe_path(recipe)
    _check_sweep(path)
    with _route_bar() as route_progress:
        result = do_build(path, out, pdk, oasis=oasis, run_drc=not no_drc, progress=_progress(),
                          max_sites=max_sites, max_grid_cells=max_grid_cells, route_progress=route_progress)
    typer.echo(summary_table(result))
    for kind, file in result.files.items():
        typer.echo(f"{kind:6s} {file}")
    dirty = result.drc is not None and not result.drc.clean
    dirty = dirty or (result.die.fanout is not None and bool(result.die.fanout.unrouted))
    if result.design.recipe.sweep:
        dirty = _sweep(result, path, out, pdk, not no_drc, max_sites, jobs, dask) or dirty
    if not no_report:
        from maskgen.report import write_report
        page = write_report(result.files["gds"], result.drc, drc_run=not no_drc, manifest=result.manifest)
        typer.echo(f"report {page}")
    if dirty and not allow_dirty:
        raise typer.Exit(1)


def _sweep(result: Any, path: Path, out: Path, pdk: str | None, run_drc: bool, max_sites: int | None,
           jobs: int | None = None, dask: str | None = None) -> bool:
    """The sweep of a built recipe: each point as its own die (dies) or the sub-arrays of the die just built
    (subarrays); prints the table's verdicts and files, and says whether a point's own die is DRC dirty."""
    from maskgen.sweep import run_sweep, subarray_table
    sub = result.design.recipe.sweep_layout == "subarrays"
    if sub:
        swept = subarray_table(result, out)
        built = f"built as sub-arrays of {result.design.recipe.name}"
    else:
        from maskgen.parallel import cores
        swept = run_sweep(path, out, pdk, run_drc=run_drc, progress=_progress(), max_sites=max_sites,
                          jobs=jobs or cores(), dask=dask)
        built = "built"
    failed = f", {swept.failed} failed" if swept.failed else ""
    typer.echo(f"sweep: {len(swept.rows)} points, {len(swept.rows) - swept.refused - swept.failed} {built}, "
               f"{swept.refused} refused, {swept.dirty} DRC dirty{failed}")
    for row in swept.rows + ([swept.die] if swept.die else []):
        what = "" if not sub else " (die, outside every tile)" if row is swept.die else \
            f" ({row['sites']} sites)" if row["sites"] else ""
        typer.echo(f"  {row['point']}{what}: {row['verdict']}{' - ' + row['reason'] if row['reason'] else ''}")
    for kind, file in swept.files.items():
        typer.echo(f"{kind:6s} {file}")
    return not sub and (swept.dirty > 0 or swept.failed > 0)


def _check_sweep(path: Path) -> None:
    """A recipe's sweep keys and point count, checked before anything is built."""
    from maskgen.input.recipe import load_recipe
    recipe = load_recipe(path)
    if recipe.sweep:
        from maskgen.design.points import sweep_points
        sweep_points(recipe, path)


@command()
@guarded
def drc(
    layout: Annotated[Path, typer.Argument(help="GDSII or OASIS file.")],
    pdk: PdkOpt = None,
    process: Annotated[str | None, typer.Option("--process", help="Process (default: from the manifest).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report here.")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write the KLayout marker database here.")] = None,
    flat: Annotated[bool, typer.Option("--flat", help="Check flat instead of hierarchically (slow).")] = False,
) -> None:
    """Check any GDSII/OASIS layout against the PDK's claim-derived rule deck.

    Exit code: 0 clean, 1 violations, 2 bad input.

    Examples:
      maskgen drc out/default/default.gds
      maskgen drc chip.oas --process cantilever_wlcsp --json drc.json --junit drc.xml --report drc.lyrdb
    """
    from maskgen.drc import drc_exit_code, run_drc, write_reports
    from maskgen.drc.context import beside, manifest_pdk, sibling_manifest
    from maskgen.input.files import check_file
    from maskgen.input.pdk import load_pdk
    check_file(layout, "layout file", layout=True)
    manifest, manifest_path = sibling_manifest(layout)
    try:
        the_pdk = load_pdk(pdk or manifest_pdk(manifest))
    except InputError as exc:
        if pdk or manifest is None or exc.file is not None:
            raise
        raise InputError(manifest_path, "pdk_path" if manifest.pdk_path else "pdk", exc.value, exc.allowed) from None
    if process is not None:
        the_pdk.process(process, None, "--process")
    result = run_drc(layout, the_pdk, process=process, manifest=manifest, manifest_path=manifest_path, flat=flat,
                     progress=_progress())
    report = report or beside(layout, ".drc.lyrdb")
    write_reports(result, lyrdb=report, json_path=json_path, junit=junit)
    for r in result.rules:
        mark = {"pass": "ok  ", "fail": "FAIL", "n/a": "n/a "}.get(r.status, r.status)
        extra = f" ({r.count})" if r.status == "fail" else (f" - {r.reason}" if r.status == "n/a" else "")
        if r.capped:
            extra += f" - first {r.listed} listed (marker limit)"
        typer.echo(f"{mark} {r.id}{extra}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(result.verdict())
    for kind, path in (("lyrdb", report), ("json", json_path), ("junit", junit)):
        if path:
            typer.echo(f"{kind:6s} {path}")
    raise typer.Exit(drc_exit_code(result))


@command()
@guarded
def deck(
    pdk: PdkOpt = None,
    process: Annotated[str | None, typer.Option("--process", help="One process (default: a deck per process, "
                                                "or the recipe's process with --recipe).")] = None,
    recipe: Annotated[Path | None, typer.Option("--recipe", help="A recipe (path or template name): its PDK, "
                                                "its process and its own rule values (rules:).")] = None,
    out: OutOpt = Path("out"),
) -> None:
    """Write KLayout DRC decks (.drc and .lydrc, Ruby DSL) generated from the PDK's rules, one per process.

    The geometric rules run in KLayout without maskgen; rules that need nets, the build manifest or
    materials are listed in the deck's header as checked by maskgen only. With --recipe, the deck is the
    recipe's process on the recipe's PDK with the recipe's rule values (rules:), as its build is checked.

    Examples:
      maskgen deck --out decks
      maskgen deck --process cantilever_wlcsp --out decks
      maskgen deck --recipe my_chip.yaml --out decks
      klayout -b -r decks/cantilever_wlcsp.drc -rd input=chip.gds -rd report=chip.lyrdb
    """
    from maskgen.drc.lydrc import write_decks
    from maskgen.input.pdk import load_pdk

    if recipe is not None:
        from maskgen.build import design_pdk
        from maskgen.input.recipe import load_recipe

        path = _recipe_path(recipe)
        the_recipe = load_recipe(path)
        the_pdk = design_pdk(the_recipe, path, pdk)
        process = process or the_recipe.process
    else:
        the_pdk = load_pdk(pdk or "default")
    if process is not None:
        the_pdk.process(process, None, "--process")
    for path in write_decks(the_pdk, out / "decks" if out == Path("out") else out, process):
        typer.echo(f"deck   {path}")


@command()
@guarded
def masks(
    recipe: RecipeArg = None,
    out: OutOpt = Path("out"),
    pdk: PdkOpt = None,
    oasis: Annotated[bool, typer.Option("--oasis", help="Also write each mask as NN_<MASK>.oas.")] = False,
    max_sites: MaxSitesOpt = None,
) -> None:
    """Write the mask set: one file per mask in mask-shop polarity, with alignment marks, labels and a mask list.

    Polarity follows the resist tone of the process step that uses each mask (a negative dry film inverts the
    field). Files go to out/<name>/masks/NN_<MASK>.gds with mask_list.csv and mask_list.json.

    Examples:
      maskgen masks
      maskgen masks templates/cantilever_wlcsp.yaml --out build/ --oasis
    """
    from maskgen.build import masks_command

    written = masks_command(_recipe_path(recipe), out, pdk, oasis=oasis, max_sites=max_sites)
    for m in written:
        e = m.entry
        typer.echo(f"L{e['level']:<2d} {e['mask']:7s} {e['gds'][0]}/{e['gds'][1]:<3d} {e['polarity']:5s} "
                   f"{e['field']:11s} CD {_cd_text(e)}  {e['step']}")
    if written:
        folder = written[0].path.parent
        typer.echo(f"masks  {folder}")
        typer.echo(f"list   {folder / 'mask_list.csv'}")
        typer.echo(f"list   {folder / 'mask_list.json'}")


@command()
@guarded
def render(
    layout: Annotated[Path, typer.Argument(help="GDSII or OASIS file (a build's <name>.gds or any layout).")],
    out: OutOpt = Path("out"),
    view: Annotated[list[str] | None, typer.Option("--view", help="die, bump, wafer or n50 (the bumps coloured "
                                                   "by their joint's N50); repeat for several (default: die and "
                                                   "bump, plus wafer and n50 when there are).")] = None,
    width: Annotated[int, typer.Option("--width", help="Picture width in pixels.")] = 1200,
    height: Annotated[int, typer.Option("--height", help="Picture height in pixels.")] = 900,
    pdk: PdkOpt = None,
) -> None:
    """PNG pictures of a layout with KLayout's own renderer and the PDK colours, headless.

    Pictures go to <out>/<layout name>/<name>_<view>.png. Colours come from the <name>.lyp beside the layout,
    else from the PDK.

    Examples:
      maskgen render out/default/default.gds
      maskgen render out/wafer_300mm/wafer_300mm.gds --view wafer --view die --width 2000 --height 2000
    """
    from maskgen.input.pdk import load_pdk
    from maskgen.pictures import render_command
    from maskgen.pictures.render import VIEWS

    check_choices(view or [], VIEWS, "--view")
    the_pdk = load_pdk(pdk) if pdk else None
    written = render_command(layout, out / layout.stem, views=view, width=width, height=height, pdk=the_pdk)
    for path in written:
        typer.echo(f"png    {path}")


def _parse_cut(text: str | None) -> tuple[float, float, float, float] | None:
    """--cut "x1,y1,x2,y2" in um into four numbers."""
    if text is None:
        return None
    parts = text.replace(";", ",").split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InputError(None, "--cut", text, "four numbers x1,y1,x2,y2 in um (die coordinates)")
    return values[0], values[1], values[2], values[3]


@command()
@guarded
def xsection(
    recipe: RecipeArg = None,
    out: OutOpt = Path("out"),
    cut: Annotated[str | None, typer.Option("--cut", help="Cut line x1,y1,x2,y2 in um from the die centre "
                                            "(default: through the first bump, along x).")] = None,
    exaggeration: Annotated[float, typer.Option("--exaggeration", help="Vertical scale exaggeration "
                                                "(stated on every frame).")] = 1.0,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="svg and/or png; repeat for both "
                                                  "(default: both).")] = None,
    layout: Annotated[Path | None, typer.Option("--layout", help="An existing build of the recipe "
                                                "(default: build it in a temporary folder).")] = None,
    pdk: PdkOpt = None,
) -> None:
    """Cross-section frames along a cut through a bump, one per process step, plus an HTML page stepping through them.

    Each step of the process file (deposit, coat/laminate, expose, develop, plate/print/drop, reflow, strip, etch,
    release) becomes a frame with the materials coloured and labelled; thicknesses come from the process file.
    Frames go to <out>/<name>/xsection/NN_<action>.svg/.png and index.html.

    Examples:
      maskgen xsection                                   # the default template
      maskgen xsection cantilever_wlcsp --exaggeration 2
      maskgen xsection my_recipe.yaml --cut -300,0,300,0 --format svg
    """
    from maskgen.crosssection import xsection_command
    from maskgen.pictures.xsection import FORMATS

    check_choices(fmt or [], FORMATS, "--format")
    written = xsection_command(_recipe_path(recipe), out, cut=_parse_cut(cut), exaggeration=exaggeration,
                               fmt=tuple(fmt) if fmt else ("svg", "png"), layout=layout, pdk=pdk)
    frames = [p for p in written if p.suffix in (".svg", ".png")]
    typer.echo(f"{len(frames)} frame file(s) in {written[-1].parent}")
    typer.echo(f"html   {written[-1]}")


@command()
@guarded
def report(
    layout: Annotated[Path, typer.Argument(help="A built layout (GDSII/OASIS with its manifest beside it).")],
    out: Annotated[Path | None, typer.Option("--out", help="Report file (default: report.html beside the "
                                             "layout).")] = None,
    no_drc: Annotated[bool, typer.Option("--no-drc", help="Leave the DRC out of the report.")] = False,
) -> None:
    """Write the build report of a layout: one self-contained HTML page (pictures embedded, nothing fetched).

    Recipe, process and PDK, die and bump pictures with the layer legend, the DRC verdict per rule with a close-up
    of each violated rule, bump types, masks, and for a wafer, a sweep or a 004 die its map and plots. The DRC is
    run again as `maskgen drc` runs it, with the manifest's PDK, process and rule values.

    Examples:
      maskgen report out/default/default.gds
      maskgen report out/wafer_300mm/wafer_300mm.gds --out wafer.html
    """
    from maskgen.report import build_manifest, layout_drc, write_report

    build_manifest(layout)
    result = None if no_drc else layout_drc(layout)
    typer.echo(f"report {write_report(layout, result, out, drc_run=not no_drc)}")


@command()
@guarded
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Schema file (default: print it).")] = None,
) -> None:
    """Print the JSON Schema of the build manifest (<name>.json), or write it to a file with --out.

    Every block of the manifest with its keys and types; a key it does not list is refused by `maskgen drc`,
    `render` and `report`. docs/manifest.schema.json in the source tree is the same text.

    Examples:
      maskgen schema
      maskgen schema --out manifest.schema.json
      check-jsonschema --schemafile manifest.schema.json out/default/default.json
    """
    from maskgen.input.manifest import schema_text

    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
        return
    from maskgen.outputs.output import write_text

    typer.echo(f"schema {write_text(out, text)}")


@command("view")
@guarded
def view_(
    layout: Annotated[Path, typer.Argument(help="GDSII or OASIS file.")],
) -> None:
    """Open a layout in KLayout with its .lyp colours and .lyrdb DRC markers; without KLayout, print the command.

    Examples:
      maskgen view out/default/default.gds
    """
    from maskgen.pictures import view_command
    from maskgen.pictures.view import klayout_executable

    line = view_command(layout)
    if klayout_executable() is None:
        typer.echo("KLayout is not installed here (the klayout Python module has no GUI). "
                   "On a machine with KLayout, run:")
        typer.echo(line)
    else:
        typer.echo(f"opened: {line} (KLayout is running)")


klayout_app = typer.Typer(help="maskgen inside the KLayout application: PCells and the DRC menu entry.",
                          short_help="maskgen inside the KLayout application: PCells and the DRC menu entry.",
                          no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                          rich_markup_mode=None)
app.add_typer(klayout_app, name="klayout")
HomeOpt = Annotated[Path | None, typer.Option("--klayout-home", help="KLayout's home folder (default: $KLAYOUT_HOME, "
                                              "else ~/.klayout).")]


def klayout_command(name: str) -> Callable[[F], F]:
    """Register a `maskgen klayout` sub-command whose help comes from its docstring (as `command` does)."""
    def register(fn: F) -> F:
        text = _click_help(fn.__doc__)
        return klayout_app.command(name, help=text, short_help=text.split("\n\n")[0].replace("\n", " "))(fn)
    return register


@klayout_command("install")
@guarded
def klayout_install(home: HomeOpt = None) -> None:
    """Install maskgen into KLayout as a Salt package: the `maskgen` PCell library and "maskgen: check layout".

    The package (grain.xml and an autorun Python macro that loads maskgen from this Python environment) goes to
    <klayout home>/salt/maskgen; restart KLayout to load it.

    Examples:
      maskgen klayout install
      maskgen klayout install --klayout-home /opt/klayout-home
    """
    from maskgen.klayout_pkg.install import install

    typer.echo(f"installed {install(home)} (restart KLayout: library 'maskgen', Tools > maskgen: check layout)")


@klayout_command("uninstall")
@guarded
def klayout_uninstall(home: HomeOpt = None) -> None:
    """Remove the maskgen Salt package from KLayout's home folder.

    Example:
      maskgen klayout uninstall
    """
    from maskgen.klayout_pkg.install import klayout_home, package_dir, uninstall

    removed = uninstall(home)
    typer.echo(f"removed {removed}" if removed else f"not installed: {package_dir(klayout_home(home))}")


@command("list")
@guarded
def list_(
    pdk: PdkOpt = None,
) -> None:
    """List PDKs, processes, templates, layers, cells and the rule deck with claim references.

    Example:
      maskgen list
    """
    from maskgen.outputs.report import listing
    typer.echo(listing(pdk or "default"))


def main() -> None:
    """Run the command line (`python -m maskgen.cli`); the `maskgen` program is maskgen.entry.main, which imports
    this module with Ctrl-C caught from the first import on (the CLI does not import it back: no loop)."""
    app()


if __name__ == "__main__":
    main()
