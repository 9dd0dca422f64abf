"""The `maskgen` command line: a thin typer layer over functions that tests call directly."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from maskgen.errors import InputError

app = typer.Typer(
    name="maskgen",
    help="Photomask layouts, claim-derived DRC and pictures for wafer-bumping and WLCSP processes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

OutOpt = Annotated[Path, typer.Option("--out", help="Output folder (default: out/).")]
PdkOpt = Annotated[str | None, typer.Option("--pdk", help="PDK name or path to a PDK folder.")]
RecipeArg = Annotated[Path | None, typer.Argument(help="Recipe YAML or template name; default: the default template.")]


def _err(line: str) -> None:
    """Print one error line to stderr."""
    typer.echo(f"maskgen: error: {line}", err=True)


def guarded(fn: F) -> F:
    """Turn bad input into one line on stderr and exit code 2; never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            _err(exc.line())
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _err("interrupted; no output was left half-written")
            raise typer.Exit(130) from None
    return wrapper  # type: ignore[return-value]


def default_recipe() -> Path:
    """The default template shipped with maskgen."""
    from maskgen.pdk import data_root
    return data_root() / "templates" / "default.yaml"


def _recipe_path(recipe: Path | None) -> Path:
    """A recipe argument: a path, a template name (e.g. ball_drop), or the default template."""
    from maskgen.pdk import data_root
    if recipe is None:
        return default_recipe()
    if not recipe.exists() and recipe.suffix == "" and (data_root() / "templates" / f"{recipe}.yaml").is_file():
        return data_root() / "templates" / f"{recipe}.yaml"
    if not recipe.is_file():
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


@app.command()
@guarded
def build(
    recipe: RecipeArg = None,
    out: OutOpt = Path("out"),
    pdk: PdkOpt = None,
    oasis: Annotated[bool, typer.Option("--oasis", help="Also write <name>.oas.")] = False,
    no_drc: Annotated[bool, typer.Option("--no-drc", help="Skip the DRC run at the end.")] = False,
    allow_dirty: Annotated[bool, typer.Option("--allow-dirty", help="Exit 0 even if DRC finds violations.")] = False,
) -> None:
    """Build a recipe into out/<name>/: GDS, .lyp, manifest JSON and DRC markers.

    Examples:
      maskgen build                               # the default template
      maskgen build templates/cantilever_wlcsp.yaml --oasis
      maskgen build my_recipe.yaml --pdk ./my_pdk --out build/
    """
    from maskgen.build import build as do_build
    from maskgen.report import summary_table

    result = do_build(_recipe_path(recipe), out, pdk, oasis=oasis, run_drc=not no_drc, progress=_progress())
    typer.echo(summary_table(result))
    for kind, path in result.files.items():
        typer.echo(f"{kind:6s} {path}")
    if result.drc is not None and not result.drc.clean and not allow_dirty:
        raise typer.Exit(1)


@app.command()
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
    from maskgen.pdk import load_pdk

    manifest = _sibling_manifest(layout)
    pdk_name = pdk or (manifest or {}).get("pdk", "default")
    the_pdk = load_pdk(pdk_name)
    if process is not None:
        the_pdk.process(process, None, "--process")
    result = run_drc(layout, the_pdk, process=process, manifest=None, flat=flat, progress=_progress())
    report = report or layout.with_suffix(".drc.lyrdb")
    write_reports(result, lyrdb=report, json_path=json_path, junit=junit)
    for r in result.rules:
        mark = {"pass": "ok  ", "fail": "FAIL", "n/a": "n/a "}.get(r.status, r.status)
        extra = f" ({r.count})" if r.status == "fail" else (f" - {r.reason}" if r.status == "n/a" else "")
        typer.echo(f"{mark} {r.id}{extra}")
    typer.echo(f"{'clean' if result.clean else 'violations'}: {len(result.violations)} marker(s)")
    for kind, path in (("lyrdb", report), ("json", json_path), ("junit", junit)):
        if path:
            typer.echo(f"{kind:6s} {path}")
    raise typer.Exit(drc_exit_code(result))


def _sibling_manifest(layout: Path) -> dict | None:
    """The build manifest beside a layout (X.gds -> X.json), if any."""
    import json as _json
    if not layout.is_file():
        raise InputError(layout, None, None, "layout file not found")
    side = layout.with_suffix(".json")
    if not side.is_file():
        return None
    try:
        data = _json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(side, None, None, f"manifest is not valid JSON: {exc}") from None
    return data if isinstance(data, dict) and "process" in data else None


@app.command()
@guarded
def masks(
    recipe: RecipeArg = None,
    out: OutOpt = Path("out"),
    pdk: PdkOpt = None,
) -> None:
    """Write the mask set: one file per mask in mask-shop polarity, with alignment marks, labels and a mask list.

    Polarity follows the resist tone of the process step that uses each mask (a negative dry film inverts the
    field). Files go to out/<name>/masks/NN_<MASK>.gds with mask_list.csv and mask_list.json.

    Examples:
      maskgen masks
      maskgen masks templates/cantilever_wlcsp.yaml --out build/
    """
    from maskgen.masks import masks_command

    written = masks_command(_recipe_path(recipe), out, pdk)
    for m in written:
        e = m.entry
        typer.echo(f"L{e['level']:<2d} {e['mask']:7s} {e['gds'][0]}/{e['gds'][1]:<3d} {e['polarity']:5s} "
                   f"{e['field']:11s} CD {e['critical_dimension']:8.3f} um  {e['step']}")
    if written:
        folder = written[0].path.parent
        typer.echo(f"masks  {folder}")
        typer.echo(f"list   {folder / 'mask_list.csv'}")
        typer.echo(f"list   {folder / 'mask_list.json'}")


@app.command("list")
@guarded
def list_(
    pdk: PdkOpt = None,
) -> None:
    """List PDKs, processes, templates, layers, cells and the rule deck with claim references.

    Example:
      maskgen list
    """
    from maskgen.report import listing
    typer.echo(listing(pdk or "default"))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
