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

#: the columns of :data:`INVERSE` that compare fits on a few curves: errors and misfits
FIT = {k: v for k, v in INVERSE.items() if "rmse" in k or "misfit" in k}


def coverage_table(scores: dict, halves: dict, z: float = 1.96, names=("σ", "τ")) -> str:
    """The ensemble intervals' coverage (:func:`spsll.learn.conformal.ensemble_coverage`'s
    ``scores`` and ``halves``): one row for mean ± z·spread, one for split-conformal at its
    nominal 1 − α, with the coverage per parameter (``names``) and in the mean, the spread of
    one calibration cut and the conformal factors q (one per parameter, first cut's first
    half) that replace z."""
    keys = [k[len("interval_coverage_"):] for k in scores if k.startswith("interval_coverage_")]
    if len(keys) != len(names):
        raise ValueError(f"names must name the {len(keys)} parameters, got {names!r}")
    cols = [*(f"coverage {n}" for n in names), "mean coverage", "± one cut",
            *(f"factor {n}" for n in names)]
    gauss = [*(scores[f"interval_coverage_{k}"] for k in keys), scores["interval_coverage"],
             None, *[z] * len(keys)]
    conf = [*(scores[f"conformal_coverage_{k}"] for k in keys), scores["conformal_coverage"],
            scores["conformal_coverage_spread"],
            *(float(q) for q in np.asarray(halves["q_halves"][0]).reshape(-1))]
    nominal = 1 - scores["conformal_alpha"]
    return named_table({f"mean ± {z} spread": dict(zip(cols, gauss)),
                        f"split-conformal (nominal {nominal:.2f})": dict(zip(cols, conf))},
                       "interval (test split)", columns={c: c for c in cols})

#: column labels of the wall round trip (:func:`spsll.learn.roundtrip.width_roundtrip`)
ROUNDTRIP = {"r2_sigma": "R² σ", "r2_tau": "R² τ",
             "width_error_mean_nm": "width error mean (nm)",
             "width_error_std_nm": "width error std (nm)"}

#: column labels of the wall fits (:meth:`spsll.learn.solverfit.WallFits.rows`)
WALL_FIT = {"rmse_sigma_nm": "RMSE σ (nm)", "rmse_tau_nm": "RMSE τ (nm)",
            "median_rms_mz": "median profile misfit (m_z)", "relaxations": "relaxations"}


def seed_table(summary: dict, n_seeds: int, prefix: str = "seed_", digits: int = 4) -> str:
    """Mean ± standard deviation over seeds of each metric in ``summary`` (the output of
    :func:`spsll.learn.metrics.seed_summary`: ``{prefix}mean_<key>``, ``{prefix}std_<key>``),
    one row per metric."""
    keys = [k[len(prefix) + 5:] for k in summary if k.startswith(f"{prefix}mean_")]
    if not keys:
        raise ValueError(f"summary holds no '{prefix}mean_' metrics")
    rows = {k: {"mean": summary[f"{prefix}mean_{k}"], "std": summary[f"{prefix}std_{k}"],
                "seeds": n_seeds} for k in keys}
    return named_table(rows, "metric", digits=digits)


# ---- chapter 8: the agreement of statistical models with explicit 2-D films ------------------

def stiffness_agreement_table(amap) -> str:
    """The k → 0 stiffness map (:class:`spsll.physics.agreement.AgreementMap`): per point the
    explicit D/D₀ ± its standard error, Σ/P∞, the k → 0 excess ± its standard error, and each
    model's D/D₀."""
    head = ["defects", "D/D₀ explicit", "Σ/P∞", "excess", *amap.models]
    rows = [[lab, f"{amap.D[i]:.3f} ± {amap.D_se[i]:.3f}", amap.sigma_over_p[i],
             f"{amap.excess[i]:+.3f} ± {amap.excess_se[i]:.3f}",
             *(float(v[i]) for v in amap.models.values())] for i, lab in enumerate(amap.label)]
    return html_table(head, rows, digits=3)


def dispersion_agreement_table(dmap) -> str:
    """The whole-dispersion map (:class:`spsll.physics.agreement_dispersion.DispersionAgreement`):
    one row per point and model with its envelope s, the long-wavelength stiffness s_disp
    (explicit → model), the gap error and the MAE on the half zone and the zone [GHz]."""
    err = dmap.errors()
    head = ["defects", "model", "envelope s", "stiffness explicit", "stiffness model",
            "gap error (GHz)", "MAE |k| ≤ π/2a (GHz)", "MAE zone (GHz)"]
    rows = []
    for i, lab in enumerate(dmap.label):
        for m in dmap.s:
            e = err[m]
            rows.append([lab, m, float(dmap.s[m][i]), float(err["explicit"]["stiffness"][i]),
                         float(e["stiffness"][i]), f"{e['gap_error_GHz'][i]:+.2f}",
                         f"{e['half_zone_mae_GHz'][i]:.0f}", f"{e['zone_mae_GHz'][i]:.0f}"])
    return html_table(head, rows, digits=3)


def dispersion_summary_text(summary: dict) -> str:
    """One Markdown paragraph of :meth:`spsll.physics.agreement_dispersion.DispersionAgreement.summary`: the explicit gap against the
    ideal film's, and per model the worst gap error, worst half-zone MAE and speed-up."""
    models = [m for m, v in summary.items() if isinstance(v, dict)]
    return (f"Explicit gap − ideal gap (same analysis): "
            f"{summary['explicit_gap_minus_ideal_GHz']:.3f} GHz. "
            + "; ".join(f"{m}: worst gap error {summary[m]['worst_gap_error_GHz']:.2f} GHz, "
                        f"worst MAE {summary[m]['worst_half_zone_mae_GHz']:.0f} GHz (half zone), "
                        f"{summary[m]['speedup']:.3g}× cheaper than the ensemble" for m in models)
            + f"; the calibrated closed form: {summary['closed_form_speedup']:.0f}× cheaper.")


def stiffness_errors_text(errors: dict, speedup: float) -> str:
    """One Markdown line of :meth:`spsll.physics.agreement.AgreementMap.errors`: per model the worst error (and where),
    the worst above p_c, the worst relative error where D/D₀ ≥ 0.3, and the models' speed-up."""
    return "; ".join(
        f"{m}: max error {e['max_abs']:.3f} (at {e['worst_point']}), {e['max_abs_above_pc']:.3f} "
        f"above p_c, {e['max_rel_where_D_above']:.1%} where D/D₀ ≥ 0.3" for m, e in errors.items()
    ) + f". Models: {speedup:.0f}× cheaper than the explicit ensembles."
