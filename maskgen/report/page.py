"""HTML of the build report: one page, styles inline, every picture embedded as a data: URI (nothing fetched).

The functions here only format; what goes on the page is gathered in maskgen.report.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9cfdb}
main{padding:8px 24px 40px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:16px 0;padding:12px 18px}
h2{font-size:17px;margin:4px 0 10px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e4e7ec;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
th{color:#4a5568;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:4px;padding:2px 8px;font-weight:600;font-size:13px}
.pass,.clean{background:#d8f0df;color:#135a2b}.fail,.dirty{background:#fbdada;color:#8a1414}
.na{background:#eceef2;color:#59606d}
figure{display:inline-block;margin:6px 12px 6px 0;vertical-align:top}
figcaption{font-size:12px;color:#4a5568;max-width:720px}
img{border:1px solid #dde1e8;max-width:100%}
.sw{display:inline-block;width:14px;height:14px;border:1px solid #888;vertical-align:middle}
pre{background:#f3f4f7;padding:8px;font-size:12px;overflow:auto}
"""


def data_uri(mime: str, data: bytes | str) -> str:
    """A data: URI holding the bytes (or UTF-8 text) base64-encoded."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def image(uri: str, alt: str, caption: str | None = None, width: int | None = None) -> str:
    """An embedded picture with its caption."""
    size = f' width="{width}"' if width else ""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{escape(alt)}"{size}>{cap}</figure>'


def cell(value: Any) -> str:
    """One table cell: numbers right-aligned and shown to 3 decimals at most, None as a dash."""
    if value is None:
        return "<td>-</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, float):
        return f'<td class="n">{f"{value:,.3f}".rstrip("0").rstrip(".")}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    if isinstance(value, Raw):
        return f"<td>{value.html}</td>"
    return f"<td>{escape(str(value))}</td>"


class Raw:
    """Table content that is already HTML (a badge, a colour swatch)."""

    def __init__(self, html: str) -> None:
        self.html = html


def badge(status: str) -> Raw:
    """A coloured status badge: pass/clean green, fail/dirty red, anything else grey."""
    kind = {"pass": "pass", "clean": "clean", "fail": "fail", "dirty": "dirty"}.get(status, "na")
    return Raw(f'<span class="badge {kind}">{escape(status)}</span>')


def swatch(colour: str) -> Raw:
    """A small square of a layer's colour."""
    return Raw(f'<span class="sw" style="background:{escape(colour)}"></span>')


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(anchor: str, title: str, body: str) -> str:
    """A titled section of the page."""
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{body}</section>'


def paragraph(text: str) -> str:
    """A paragraph of plain text."""
    return f"<p>{escape(text)}</p>"


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """The whole page."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header><main>"
            + "\n".join(sections) + "</main></body></html>\n")
