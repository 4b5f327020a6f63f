"""HTML tables for the book: numbers as text, booleans and verdicts as words.

Nothing here computes physics; :func:`html_table` turns rows of values into one escaped
``<table>`` (a string) that static pages render without a kernel.
"""
from __future__ import annotations

import html
import math

import numpy as np

#: Colours of verdict words (anything else is shown in the text colour).
VERDICT_COLOURS = {"agrees": "#2e7d32", "holds": "#2e7d32", "better than the paper": "#1565c0",
                   "differs": "#c62828", "does not hold": "#c62828", "refuted": "#c62828",
                   "limitation of the model": "#ef6c00", "finite-chain effect": "#ef6c00",
                   "not measured": "#757575"}


def word(value, digits=3) -> str:
    """A cell's text: booleans as "yes"/"no", None and NaN as "—", floats to ``digits``
    significant digits, everything else as ``str``."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return "—" if not math.isfinite(value) else f"{value:.{digits}g}"
    return str(value)


def html_table(header, rows, digits=3, verdict_column=None, align="right") -> str:
    """One HTML table: ``header`` (names), ``rows`` (sequences of values, see :func:`word`).

    ``verdict_column``: index of a column whose words are coloured by :data:`VERDICT_COLOURS`
    and set in bold.
    """
    td = f"border-bottom:1px solid #ddd;padding:3px 8px;text-align:{align};vertical-align:top"
    th = "border-bottom:2px solid #444;padding:3px 8px;text-align:left"
    head = "".join(f'<th style="{th}">{html.escape(str(h))}</th>' for h in header)
    body = []
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"every row must have {len(header)} cells, got {len(row)}: {row!r}")
        cells = []
        for j, v in enumerate(row):
            text = html.escape(word(v, digits))
            style = td
            if j == verdict_column:
                style += f";font-weight:bold;color:{VERDICT_COLOURS.get(text, 'inherit')}"
            cells.append(f'<td style="{style}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table style="border-collapse:collapse;font-size:0.9em"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
