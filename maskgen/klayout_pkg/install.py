"""`maskgen klayout install`: maskgen as a KLayout Salt package (the way KLayout's package manager installs one).

    <klayout home>/salt/maskgen/grain.xml                 the package description KLayout's Salt manager reads
    <klayout home>/salt/maskgen/pymacros/maskgen.lym      an autorun Python macro

The macro finds the Python environment maskgen is installed in (its site-packages folders, written in at install
time, with .pth files honoured so an editable install works), lets maskgen's `import klayout.db` mean KLayout's own
modules (the PyPI build of klayout cannot load inside the application), registers the `maskgen` PCell library and
adds the menu entry "maskgen: check layout". The KLayout home is --klayout-home, else $KLAYOUT_HOME, else ~/.klayout.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path
from xml.sax.saxutils import escape

from maskgen.errors import InputError

PACKAGE = "maskgen"
MACRO = "maskgen.lym"

_BOOT = '''\
# maskgen: PCell library and DRC menu entry (written by `maskgen klayout install`; `maskgen klayout uninstall`
# removes it). The Python environment maskgen is installed in:
SITE = {site!r}
PYTHON = {python!r}
VERSION = {version!r}

import importlib.util
import site
import sys
import types


def _maskgen_boot():
    import pya
    if tuple(sys.version_info[:2]) != tuple(VERSION):
        print("maskgen: KLayout runs Python %d.%d, maskgen is installed for Python %d.%d (%s); not loaded"
              % (sys.version_info[0], sys.version_info[1], VERSION[0], VERSION[1], PYTHON))
        return
    if importlib.util.find_spec("klayout") is None and "klayout" not in sys.modules:
        # KLayout's own modules serve maskgen's `import klayout.db` (a second KLayout cannot load in here)
        pkg = types.ModuleType("klayout")
        pkg.__path__ = []
        for sub in ("db", "lay", "rdb", "tl"):
            setattr(pkg, sub, pya)
            sys.modules["klayout." + sub] = pya
        sys.modules["klayout"] = pkg
    for folder in SITE:
        if folder not in sys.path:
            site.addsitedir(folder)
    from maskgen.klayout_pkg import plugin
    plugin.start(PYTHON)


_maskgen_boot()
'''


def klayout_home(given: Path | None = None) -> Path:
    """The KLayout home folder: given, else $KLAYOUT_HOME, else ~/.klayout."""
    if given is not None:
        return Path(given)
    env = os.environ.get("KLAYOUT_HOME")
    return Path(env) if env else Path.home() / ".klayout"


def package_dir(home: Path) -> Path:
    """Where the Salt package goes: <home>/salt/maskgen."""
    return home / "salt" / PACKAGE


def environment() -> tuple[list[str], str, tuple[int, int]]:
    """This Python environment: its site-packages folders, its interpreter and version."""
    paths = sysconfig.get_paths()
    site = list(dict.fromkeys(str(Path(paths[k]).resolve()) for k in ("purelib", "platlib")))
    return site, sys.executable, (sys.version_info[0], sys.version_info[1])


def grain_xml(version: str) -> str:
    """The Salt package description (grain.xml)."""
    doc = ("maskgen's process-family bumps as PCells (library 'maskgen': stair_bump, ball_drop, two_step_ball, "
           "flux_fill, cantilever_wlcsp), drawn as `maskgen build` draws them, and 'maskgen: check layout' in the "
           "Tools menu: maskgen's claim-derived DRC with its markers in the marker browser.")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<salt-grain>\n'
            f" <name>{PACKAGE}</name>\n <version>{escape(version)}</version>\n <api-version>0.28</api-version>\n"
            " <title>maskgen: bump PCells and claim-derived DRC</title>\n"
            f" <doc>{escape(doc)}</doc>\n <doc-url/>\n <url/>\n <license>MIT</license>\n <author>maskgen</author>\n"
            " <author-contact/>\n <authored-time/>\n <installed-time/>\n <icon/>\n <screenshot/>\n"
            " <dependencies/>\n</salt-grain>\n")


def macro_lym(site: list[str], python: str, version: tuple[int, int]) -> str:
    """The autorun Python macro (.lym) that loads maskgen into KLayout."""
    text = _BOOT.format(site=site, python=python, version=list(version))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<klayout-macro>\n'
            " <description>maskgen: PCell library and DRC menu entry</description>\n <version/>\n"
            " <category>pymacros</category>\n <prolog/>\n <epilog/>\n <doc/>\n <autorun>true</autorun>\n"
            " <autorun-early>false</autorun-early>\n <priority>0</priority>\n <shortcut/>\n"
            " <show-in-menu>false</show-in-menu>\n <group-name/>\n <menu-path/>\n <interpreter>python</interpreter>\n"
            f" <dsl-interpreter-name/>\n <text>{escape(text)}</text>\n</klayout-macro>\n")


def install(home: Path | None = None) -> Path:
    """Write the Salt package into the KLayout home (replacing an earlier one); returns its folder."""
    from maskgen import __version__
    from maskgen.outputs.output import write_text

    target = package_dir(klayout_home(home))
    if target.exists() and not (target / "grain.xml").is_file():
        raise InputError(target, None, None, "exists and is not a Salt package; move it away first")
    site, python, version = environment()
    write_text(target / "grain.xml", grain_xml(__version__))
    write_text(target / "pymacros" / MACRO, macro_lym(site, python, version))
    return target


def uninstall(home: Path | None = None) -> Path | None:
    """Remove the Salt package from the KLayout home; returns its folder, or None when it was not installed."""
    target = package_dir(klayout_home(home))
    if not (target / "grain.xml").is_file():
        return None
    shutil.rmtree(target)
    return target
