"""HTML tables for the book's pages: rows of named numbers, words for booleans, one style.

display(HTML(tables.html({"CNN": {"R² σ": 0.69, ...}, "k-NN": {...}}, "model (test split)")))
"""

from __future__ import annotations

import html as _html
import math

__all__ = ["html", "cell", "INVERSE"]

#: column labels of the inverse models' scores (:func:`spsll.learn.metrics.inverse_scores`)
INVERSE = {
    "r2_smin": "R² s_min",
    "r2_p": "R² p",
    "r2_T": "R² T",
    "r2_sigma": "R² σ",
    "r2_tau": "R² τ",
    "rmse_smin": "RMSE s_min",
    "rmse_p": "RMSE p",
    "rmse_T_nm": "RMSE T (nm)",
    "rmse_sigma_nm": "RMSE σ (nm)",
    "rmse_tau_nm": "RMSE τ (nm)",
    "median_misfit_GHz": "median misfit (GHz)",
}

_STYLE = 'style="border-bottom:1px solid #ddd;padding:4px 10px;text-align:right"'


def cell(value, digits: int = 3) -> str:
    """Text of one value: booleans as yes/no, floats with ``digits`` decimals (or 3 significant
    digits in scientific notation below 1e-3 or above 1e5), nan as an en dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) or hasattr(value, "dtype"):
        v = float(value)
        if math.isnan(v):
            return "–"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3g}"
        return f"{v:.{digits}f}"
    return _html.escape(str(value))


def html(
    rows: dict, index_label: str = "", digits: int = 3, columns: dict | None = None
) -> str:
    """A table with one row per key of ``rows`` (a dict of {column: value}); the columns are
    those of the first row, in order, or ``columns`` ({key: label}: which, in what order, and
    their headings).  Missing values show as a dash.  Returns an HTML fragment."""
    if not rows:
        raise ValueError("rows must hold at least one row")
    if columns is not None:
        rows = {
            n: {label: r.get(k, float("nan")) for k, label in columns.items()}
            for n, r in rows.items()
        }
    cols = list(next(iter(rows.values())))
    head = "".join(
        f"<th {_STYLE}>{_html.escape(str(c))}</th>" for c in [index_label] + cols
    )
    body = "".join(
        "<tr>"
        + f"<td {_STYLE}>{_html.escape(str(name))}</td>"
        + "".join(
            f"<td {_STYLE}>{cell(r.get(c, float('nan')), digits)}</td>" for c in cols
        )
        + "</tr>"
        for name, r in rows.items()
    )
    return f'<table style="border-collapse:collapse;font-size:0.9em"><tr>{head}</tr>{body}</table>'
