"""The reproduction scorecard: each claim of the paper, our number, a verdict computed from the
metrics of a book run (``results/<profile>/metrics.json``), and why.

Verdict words: "agrees" / "differs" (a number against the paper's, with a stated tolerance),
"holds" / "does not hold" (a qualitative statement tested on our data), "better than the
paper", "refuted" (a premise our data contradict), and, beyond the paper, "finite-chain effect"
and "limitation of the model".  "not measured" when the run did not record the metric.
Nothing here is hard-coded but the paper's own numbers and the tolerances, each with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from .physics.material import FePt

PAPER_LAMBDA_EX_NM = 3.1        # Methods: "λex ≈ 3.1 nm"
PAPER_IDEAL_WIDTH_NM = (4.08, 0.12)  # "4.08 ± 0.12 nm, equivalent to 12 atomic sites"
PAPER_ANALYTIC_WIDTH_NM = 3.73
PAPER_TFC_MAE_THZ = (0.29, 0.36)
PAPER_WIDTH_ERROR_NM = (0.077, 0.835)  # mean and standard deviation (Fig. 5b)


@dataclass(frozen=True)
class Row:
    claim: str
    paper: str
    ours: str
    verdict: str
    why: str


class Metrics:
    """Dotted look-up into a metrics dict: ``m["walls.ideal_width_eq10_nm"]`` or None."""

    def __init__(self, data: dict):
        self.data = data or {}

    def __getitem__(self, path: str):
        v = self.data
        for key in path.split("."):
            if not isinstance(v, dict) or key not in v:
                return None
            v = v[key]
        return v

    def __bool__(self):
        return bool(self.data)


def num(v, unit="", digits=3) -> str:
    if v is None:
        return "not measured"
    text = f"{v:.{digits}g}" if isinstance(v, float) else str(v)
    return f"{text} {unit}".strip()


def agree(ours, paper, tol) -> str:
    """"agrees" when abs(ours − paper) ≤ tol, else "differs" ("not measured" for None)."""
    return "not measured" if ours is None else ("agrees" if abs(ours - paper) <= tol else "differs")


def holds(cond) -> str:
    return "not measured" if cond is None else ("holds" if cond else "does not hold")


def _all(*vals):
    return all(v is not None for v in vals)


def reproduction(m: Metrics, a_nm: float = FePt.a * 1e9) -> list[Row]:
    """Rows for the paper's own claims."""
    rows = []
    c = m["rtn.sigma10_tau5.psd_max_rel_err_k_le_1"]
    rows.append(Row("RTN PSD (Wiener–Khinchin) agrees with S(k), Eq. 3 (Fig. SI 1)",
                    "“good agreement” (visual)", num(None if c is None else 100 * c, "% max deviation"),
                    holds(None if c is None else c < 0.05),
                    "bound 5 %: four standard errors of the 16-bin PSD blocks"))
    mae = m["dispersions.ideal.mae_GHz"]
    rows.append(Row("Ideal dispersion reproduces Eq. 6 × γμ0Ms (Fig. 1c)", "“almost exactly”",
                    num(mae, "GHz mean error over the zone"), holds(None if mae is None else mae < 10),
                    "bound 10 GHz, a tenth of a frequency bin"))
    r, x, s = (m[f"dispersions.{k}"] for k in ("sigma10_tau5.zone_edge_ratio_to_ideal",
                                                 "one_number.sigma10_tau5_ratio",
                                                 "one_number.sigma10_tau5_s_min"))
    rows.append(Row("Defects lower the frequency towards the zone edge, “S(k) acts similar to a "
                    "low-pass filter” (Fig. 1d)", "reduced (visual)",
                    num(r, "× ideal at the zone edge"), holds(None if r is None else r < 1),
                    f"lowered, but not filtered: the fitted exchange amplitude X/X_ideal = {num(x, '', 4)} "
                    f"equals the envelope's flat value s_min = {num(s, '', 4)} over the whole zone — "
                    "the exchange is scaled uniformly, small k as much as large k"))
    lam = m["model.lambda_ex_nm"]
    rows.append(Row("Exchange length of the paper's FePt parameters", f"≈ {PAPER_LAMBDA_EX_NM} nm",
                    num(lam, "nm", 4), agree(lam, PAPER_LAMBDA_EX_NM, 0.05),
                    "λex = √(2A/(μ0 Ms²)) with A = 5.1 pJ/m, Ms = 950 kA/m; tolerance: the paper's "
                    "two digits (±0.05 nm). The paper's value is inconsistent with its own parameters"))
    w0 = m["walls.ideal_width_eq10_nm"]
    v, e = PAPER_IDEAL_WIDTH_NM
    rows.append(Row("Ideal wall width", f"{v} ± {e} nm", num(w0, "nm (Eq. 10)", 4), agree(w0, v, e),
                    f"ours is the lattice wall πΔ[1 − (5/24)(a/Δ)²]; the paper says its width is "
                    f"“equivalent to 12 atomic sites”, and 12 a = {12 * a_nm:.3f} nm lies within its "
                    "error: most likely a site count, not a continuous width"))
    cw = m["walls.continuum_width_nm"]
    rows.append(Row("Analytical width π√(A/K)", f"{PAPER_ANALYTIC_WIDTH_NM} nm", num(cw, "nm", 4),
                    agree(cw, PAPER_ANALYTIC_WIDTH_NM, 0.005), "same formula; tolerance: the paper's "
                    "last digit"))
    w5, tp = m["walls.sigma10_tau5_width_eq10_nm"], m["model.placement.wall_width_tanh_at_peak_nm"]
    sw = m["walls.s_wall.max_abs_diff_nm"]
    rows.append(Row("Defects make the wall narrower (Fig. 1e)", "narrower (visual)",
                    num(w5, "nm at σ = 10, τ = 5 nm", 4), holds(None if not _all(w5, w0) else w5 < w0),
                    f"a wall is the lattice wall with exchange scaled by s at the wall (to {num(sw, 'nm', 2)} "
                    f"over the grid); a wall on the envelope's spike broadens instead (tanh width "
                    f"{num(tp, 'nm')}), so the paper's walls were not on the spike"))
    fl, nc = m["walls.trends.frac_falls_at_low_tau"], m["walls.trends.n_collapsed"]
    rows.append(Row("For low τ the width falls quickly for all σ (Fig. 1f)", "yes",
                    num(None if fl is None else 100 * fl, "% of σ values", 3),
                    holds(None if fl is None else fl == 1.0),
                    f"s_wall falls with τ for every σ; {num(nc)} collapsed walls (< 3 a) excluded"))
    a_, b_ = m["walls.trends.frac_decreasing_where_tau_gt_sigma"], m["walls.trends.frac_increasing_where_tau_lt_sigma"]
    rows.append(Row("Beyond τ ≈ 13 nm: width decreases for τ > σ, increases for τ < σ (Fig. 1f)", "yes",
                    "not measured" if not _all(a_, b_) else
                    f"{100 * a_:.0f} % of slopes with τ > σ decrease; {100 * b_:.0f} % with τ < σ increase",
                    holds(None if not _all(a_, b_) else (a_ > 0.5 and b_ > 0.5)),
                    "fractions of late slopes (both must exceed one half). s_wall falls with τ at every σ "
                    "and the width follows it, so the width cannot rise"))
    rows += _inverse_rows(m)
    return rows


def _inverse_rows(m: Metrics) -> list[Row]:
    rows = []
    r2s, r2t, r2m = m["cnn.r2_sigma"], m["cnn.r2_tau"], m["cnn.r2_smin"]
    rows.append(Row("The CNN recovers (σ, τ) from a dispersion", "stated; no number",
                    f"test R²: σ {num(r2s)}, τ {num(r2t)}; s_min {num(r2m)}",
                    holds(None if not _all(r2s, r2t) else min(r2s, r2t) > 0.5),
                    "bound R² > 0.5 on both. A dispersion carries one number, s_min; recovery of "
                    "(σ, τ) beyond the s_min contour comes from the prior of the data set"))
    fm, fs, dc = (m["cnn.solver_fit_median_misfit_GHz"], m["cnn.solver_fit_rmse_sigma_nm"],
                  m["dispersions.contour.max_diff_GHz"])
    rows.append(Row("A dispersion determines (σ, τ) (the premise of the inverse model)", "assumed",
                    "not measured" if not _all(fm, fs) else
                    f"solver fits match test curves to {num(fm, 'GHz')} yet miss σ by {num(fs, 'nm')} RMSE",
                    "not measured" if not _all(fm, fs) else ("refuted" if fm < 5 and fs > 5 else "holds"),
                    f"pairs on one s_min contour, far apart in (σ, τ), give curves equal to {num(dc, 'GHz')}"))
    ti, tp = m["tfc.mae_THz_improved"], m["tfc.mae_THz_paper_form"]
    lo, hi = PAPER_TFC_MAE_THZ
    best = None if not _all(ti, tp) else min(ti, tp)
    rows.append(Row("TFC-PINN predicts the dispersion from (σ, τ): MAE across k (Fig. 3)", f"{lo}–{hi} THz",
                    f"{num(ti, 'THz')} improved form, {num(tp, 'THz')} paper's form",
                    "not measured" if best is None else
                    ("better than the paper" if best < lo else ("agrees" if best <= hi else "differs")),
                    "test split; below the paper's range counts as better"))
    wm, ws = m["widths.width_error_mean_nm"], m["widths.width_error_std_nm"]
    pm, ps = PAPER_WIDTH_ERROR_NM
    rows.append(Row("Wall widths predicted through (σ, τ): error mean and standard deviation (Fig. 5b)",
                    f"{pm} nm and {ps} nm", f"{num(wm, 'nm')} and {num(ws, 'nm')}",
                    "not measured" if not _all(wm, ws) else
                    ("better than the paper" if ws < ps and abs(wm) <= pm else ("agrees" if ws <= 1.0 else "differs")),
                    "a width fixes one contour of (σ, τ) (s at the wall); the error tests consistency "
                    "with the width, not recovery of the defects"))
    wfm, wfs = m["widths.solver_fit_median_rms_mz"], m["widths.solver_fit_rmse_sigma_nm"]
    rows.append(Row("A relaxed wall determines (σ, τ) (the premise of the wall network)", "assumed",
                    "not measured" if not _all(wfm, wfs) else
                    f"solver fits match profiles to {num(wfm, '', 2)} RMS m_z yet miss σ by {num(wfs, 'nm')}",
                    "not measured" if not _all(wfm, wfs) else ("refuted" if wfm < 1e-5 and wfs > 5 else "holds"),
                    "a wall is set by one number, s at the wall"))
    sp = m["tfc.speedup"]
    rows.append(Row("The networks determine observables far faster than simulation", "stated, no number",
                    f"TFC {num(sp, '×', 2)}; CNN {num(m['cnn.speedup_per_inversion'], '×', 2)}; WallNet "
                    f"{num(m['widths.speedup_per_inversion'], '×', 2)} per query",
                    holds(None if sp is None else sp > 10), "same machine and threads; bound 10×"))
    return rows


def beyond(m: Metrics) -> list[Row]:
    """Rows that are not claims of the paper: what the model does beyond what the paper says."""
    rows = []
    s250, s2000 = m["model.s_min.250.s_min"], m["model.s_min.2000.s_min"]
    change = None if not _all(s250, s2000) else (s2000 - s250) / s250
    rows.append(Row("Observables do not depend on the chain length N", "not discussed (N = 500 used)",
                    "not measured" if change is None else
                    f"s_min(10, 5 nm) = {s250:.3f} (N = 250) … {s2000:.3f} (N = 2000): {100 * change:.0f} %",
                    "not measured" if change is None else ("finite-chain effect" if change > 0.01 else "holds"),
                    "the envelope's flat value is p − √(2vT/(Na)); N → ∞ is the mean-field model s = p; "
                    "bound 1 % in the exchange"))
    e_all, e_kept, spread, sep = (m[f"explicit.robust.{k}"] for k in (
        "median_all", "median_kept", "median_kept_seed_spread", "separation"))
    sps = m["explicit.summary.parseval_vs_explicit_half_zone_min_GHz"]
    rows.append(Row("One statistical kernel stands for explicit 1-D vacancies", "assumed; the paper notes "
                    "that 1-D “precludes” scattering and that 2-D/3-D tests are needed",
                    "not measured" if not _all(e_kept, sps, sep) else
                    f"explicit chains follow the ideal f(k): median error {e_kept:.0f} GHz (spread over "
                    f"seeds ≤ {spread or 0:.0f} GHz; {e_all:.0f} GHz with the dropped realisations); "
                    f"SPS-LL is ≥ {sps:.0f} GHz from them and ≥ {sep:.1f}× further from f(k)",
                    "not measured" if sep is None else ("limitation of the model" if sep > 3 else "holds"),
                    "in 1-D a vacancy cuts the chain into free segments with the ideal modes; a limitation "
                    "when SPS-LL is, at every point, over three times further from the ideal f(k) than "
                    "the explicit realisations whose excitation sits on ≥ 20 cells of material"))
    wt, ww = m["walls.mirror.tiled_width_nm"], m["walls.mirror.whole_width_nm"]
    rows.append(Row("The mirrored wall domain's envelope", "not stated",
                    "not measured" if not _all(wt, ww) else
                    f"{wt:.4f} nm (N-cell envelope tiled, default) vs {ww:.4f} nm (2N-cell envelope)",
                    "not measured" if not _all(wt, ww) else
                    ("finite-chain effect" if abs(ww - wt) > 0.01 else "holds"),
                    "a modelling choice: the flat value is s_min(N) or s_min(2N); both are offered "
                    "(mirror_envelope='tiled' | 'whole'); bound 0.01 nm"))
    from .scorecard_skyrmions import skyrmion_rows  # it builds on this module's helpers
    return rows + _two_dimensions_rows(m) + skyrmion_rows(m)


TWO_D_GOAL_ABS = 0.05   # issue 13: a statistical model within 0.05 in D/D₀ of explicit films …
TWO_D_GOAL_REL = 0.05   # … and within 5 % where D/D₀ ≥ 0.3 …
TWO_D_GOAL_SPEEDUP = 100  # … at ≥ 100× less cost than the explicit ensemble
TWO_D_MODEL_NAMES = {"percolation": "threshold-scaled kernel calibrated on explicit films",
                     "ema": "effective-medium theory", "mean_field": "mean field s = p",
                     "sps_ll": "SPS-LL (parseval)"}  # spsll.physics.agreement.stiffness_models


def _two_dimensions_rows(m: Metrics) -> list[Row]:
    """Chapter 8: films with explicit vacancies against the statistical models."""
    rows = []
    mae = [m[f"two_dimensions.ideal_film_mae_GHz.{k}"] for k in ("kx", "diagonal", "azimuthal")]
    worst = None if not _all(*mae) else max(mae)
    rows.append(Row("2-D SPS-LL: the ideal film reproduces f(kx, ky)", "not studied (1-D only)",
                    "not measured" if worst is None else
                    f"MAE {mae[0]:.1f} / {mae[1]:.1f} / {mae[2]:.1f} GHz along kx / diagonal / azimuthal",
                    holds(None if worst is None else worst <= 10),
                    "bound 10 GHz (issue 13) on every slice, against the analytic square-lattice f(kx, ky)"))
    z, stiff = m["two_dimensions.worst_excess_in_se"], m["two_dimensions.stiffness"]
    e = None if not isinstance(stiff, dict) or not stiff else \
        max(abs(v["D_over_D0"] - v["sigma_over_p_inf"]) for v in stiff.values())
    rows.append(Row("Explicit 2-D vacancies soften the stiffness as percolation theory says, D/D₀ = Σ/P∞",
                    "not studied; “further investigations in 2D or 3D are needed”",
                    "not measured" if not _all(z, e) else
                    f"worst k → 0 excess {z:.1f} standard errors; max |D/D₀ − Σ/P∞| = {e:.3f} "
                    f"over {len(stiff)} ensembles",
                    holds(None if z is None else z <= 4),
                    "Kirkpatrick 1973 / Harris & Kirkpatrick 1977, Σ from a Kirchhoff solve on the same "
                    "masks; bound 4 standard errors for the worst of the map's points"))
    sps, mf = (m[f"two_dimensions.model_errors.{k}.max_abs"] for k in ("sps_ll", "mean_field"))
    rows.append(Row("One statistical kernel stands for explicit vacancies in 2-D (the paper's open question)",
                    "open; 1-D “precludes” scattering", "not measured" if not _all(sps, mf) else
                    f"SPS-LL misses the explicit k → 0 stiffness by up to {sps:.2f} in D/D₀ "
                    f"(mean field {mf:.2f})", "not measured" if sps is None else
                    ("limitation of the model" if sps > TWO_D_GOAL_ABS else "holds"),
                    "a kernel that depends on (σ, τ) only through s cannot tell site dilution from "
                    f"coarse holes of the same area; bound {TWO_D_GOAL_ABS} in D/D₀ (issue 13's goal)"))
    errs = m["two_dimensions.model_errors"]
    sp = m["two_dimensions.model_speedup"]
    best = None if not isinstance(errs, dict) or not errs or sp is None else \
        min(errs, key=lambda k: errs[k]["max_abs"])
    ok = None if best is None else (errs[best]["max_abs"] <= TWO_D_GOAL_ABS
                                    and errs[best]["max_rel_where_D_above"] <= TWO_D_GOAL_REL
                                    and sp >= TWO_D_GOAL_SPEEDUP)
    rows.append(Row("A statistical model reproduces explicit films (beyond the paper)", "—",
                    "not measured" if best is None else
                    f"{TWO_D_MODEL_NAMES.get(best, best)}: max error {errs[best]['max_abs']:.3f} in D/D₀, "
                    f"{100 * errs[best]['max_rel_where_D_above']:.1f} % where D/D₀ ≥ 0.3, "
                    f"{sp:.2g}× faster than an explicit ensemble", holds(ok),
                    f"issue 13's goal: ≤ {TWO_D_GOAL_ABS} in D/D₀, ≤ {100 * TWO_D_GOAL_REL:.0f} % where "
                    f"D/D₀ ≥ 0.3, ≥ {TWO_D_GOAL_SPEEDUP}× less cost, measured side by side"))
    return rows + [_two_d_dispersion_row(m)]


TWO_D_DISPERSION_MODELS = {"finite_k": "the k-dependent kernel", "calibrated": "the calibrated envelope",
                           "mean_field": "mean field s = p", "sps_ll": "SPS-LL (parseval)"}


def _two_d_dispersion_row(m: Metrics) -> Row:
    """Chapter 8's whole-dispersion agreement: the best model's worst half-zone MAE against mean field's."""
    summ = m["two_dimensions.dispersion_summary"]
    models = {k: v for k, v in summ.items() if isinstance(v, dict)} if isinstance(summ, dict) else {}
    if "mean_field" not in models or len(models) < 2:
        return Row("A statistical model gives the whole 2-D dispersion of explicit films (beyond the paper)",
                   "—", "not measured", "not measured", "")
    best = min(models, key=lambda k: models[k]["worst_half_zone_mae_GHz"])
    b, mf = models[best], models["mean_field"]
    return Row("A statistical model gives the whole 2-D dispersion of explicit films (beyond the paper)", "—",
               f"{TWO_D_DISPERSION_MODELS.get(best, best)}: worst MAE {b['worst_half_zone_mae_GHz']:.0f} GHz "
               f"over |k| ≤ π/2a (mean field {mf['worst_half_zone_mae_GHz']:.0f} GHz), worst gap error "
               f"{b['worst_gap_error_GHz']:.2f} GHz, {b['speedup']:.3g}× cheaper than the ensemble",
               "improves on mean field" if best != "mean_field" else "mean field is best",
               "the half zone holds the long waves that a defect model must get right; the gap (k = 0) is "
               "f₀ for explicit vacancies and every uniform envelope; no numeric goal was set")


def table_rows(rows: list[Row], extra: list[Row] | None = None) -> list[list[str]]:
    """Rows as cells: claim, paper, ours, verdict, why [, ours and verdict of a second run]."""
    out = []
    for i, r in enumerate(rows):
        cells = [r.claim, r.paper, r.ours, r.verdict, r.why]
        if extra is not None:
            cells += [extra[i].ours, extra[i].verdict]
        out.append(cells)
    return out


def header(profile: str, second: str | None = None) -> list[str]:
    h = ["Claim", "Paper", f"Ours ({profile})", "Verdict", "Why"]
    return h + [f"Ours ({second})", f"Verdict ({second})"] if second else h
