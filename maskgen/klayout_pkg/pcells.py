"""The KLayout library `maskgen`: one PCell per process family bump, a thin layer over maskgen's own cells.

Runs inside the KLayout application only (it needs `pya`); the package's autorun macro calls `register()`. Each
PCell's parameters and drawing come from maskgen.klayout_pkg.params (the recipe's bump keys, drawn by the family's
`bump_cell` exactly as `maskgen build` draws it); a value maskgen refuses raises its one-line message, which KLayout
shows as the PCell's error.
"""

from __future__ import annotations

from typing import Any

LIBRARY = "maskgen"
"""The library's name in KLayout's library browser and in `Layout.create_cell(pcell, LIBRARY, params)`."""

_registered: list[Any] = []


def register() -> Any:
    """Create and register the `maskgen` library (once per KLayout session); returns it."""
    if _registered:
        return _registered[0]
    import pya

    from maskgen.errors import InputError
    from maskgen.klayout_pkg.params import FAMILIES, bump_shapes, params

    class BumpPCell(pya.PCellDeclarationHelper):
        """One family's bump: parameters are its recipe keys, the drawing is maskgen's bump cell."""

        def __init__(self, family: str) -> None:
            super().__init__()
            self.family = family
            self.specs = params(family)
            kinds = {"double": self.TypeDouble, "int": self.TypeInt, "string": self.TypeString,
                     "bool": self.TypeBoolean, "list": self.TypeString}
            for p in self.specs:
                extra: dict[str, Any] = {}
                if p.choices:
                    extra["choices"] = [(str(c), c) for c in p.choices]
                if p.unit:
                    extra["unit"] = p.unit
                self.param(p.name, kinds[p.kind], p.key, default=p.default, **extra)

        def display_text_impl(self) -> str:
            """The instance's name in the cell tree: family and UBM."""
            return f"{self.family}(ubm {getattr(self, 'bump__ubm_diameter', '?')})"

        def produce_impl(self) -> None:
            """Draw maskgen's bump for the current parameter values into the PCell's cell."""
            values = {p.name: getattr(self, p.name) for p in self.specs}
            try:
                shapes = bump_shapes(self.family, values)
            except InputError as exc:
                raise RuntimeError(exc.line()) from None
            ly = self.layout
            dbu = ly.dbu
            for lay, dt, pts in shapes.polygons:
                li = ly.layer(pya.LayerInfo(lay, dt, shapes.layer_names.get((lay, dt), "")))
                self.cell.shapes(li).insert(pya.Polygon([pya.Point(round(x / dbu), round(y / dbu)) for x, y in pts]))
            for lay, dt, text, x, y in shapes.labels:
                li = ly.layer(pya.LayerInfo(lay, dt, shapes.layer_names.get((lay, dt), "")))
                self.cell.shapes(li).insert(pya.Text(text, pya.Trans(round(x / dbu), round(y / dbu))))

    class MaskgenLibrary(pya.Library):
        """maskgen's bumps as PCells."""

        def __init__(self) -> None:
            super().__init__()
            self.description = "maskgen: wafer-bumping and WLCSP bumps, drawn as maskgen build draws them"
            for family in FAMILIES:
                self.layout().register_pcell(family, BumpPCell(family))
            self.register(LIBRARY)

    _registered.append(MaskgenLibrary())
    return _registered[0]
