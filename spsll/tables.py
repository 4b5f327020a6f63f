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


#: column labels of the inverse models' scores (:func:`spsll.learn.metrics.inverse_scores`)
INVERSE = {"r2_smin": "R² s_min", "r2_p": "R² p", "r2_T": "R² T", "r2_sigma": "R² σ",
           "r2_tau": "R² τ", "rmse_smin": "RMSE s_min", "rmse_p": "RMSE p",
           "rmse_T_nm": "RMSE T (nm)", "rmse_sigma_nm": "RMSE σ (nm)",
           "rmse_tau_nm": "RMSE τ (nm)", "median_misfit_GHz": "median misfit (GHz)"}


def named_table(rows: dict, index_label: str = "", digits: int = 3, columns: dict | None = None) -> str:
    """:func:`html_table` of named rows: ``rows`` maps a row name to ``{column: value}``; the
    columns are those of the first row, in order, or ``columns`` ({key: heading}: which, in
    what order, under what heading).  A missing value shows as "—"."""
    if not rows:
        raise ValueError("rows must hold at least one row")
    if columns is None:
        columns = {c: c for c in next(iter(rows.values()))}
    body = [[name] + [r.get(k) for k in columns] for name, r in rows.items()]
    return html_table([index_label, *columns.values()], body, digits=digits)
