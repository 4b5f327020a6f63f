"""Scorecard verdicts are computed from the metrics, with the rules the module states."""
import spsll
from spsll import scorecard, tables

LAMBDA_NM = spsll.FePt.lambda_ex * 1e9


def _verdicts(rows):
    return {r.claim: r.verdict for r in rows}


def test_verdicts_follow_the_numbers():
    base = {"walls": {"ideal_width_eq10_nm": 3.668, "continuum_width_nm": 3.7334},
            "model": {"lambda_ex_nm": LAMBDA_NM}}
    v = _verdicts(scorecard.reproduction(scorecard.Metrics(base)))
    assert v["Ideal wall width"] == "differs"                 # 3.668 vs 4.08 ± 0.12
    assert v["Analytical width π√(A/K)"] == "agrees"          # 3.7334 vs 3.73 ± 0.005
    assert v["Exchange length of the paper's FePt parameters"] == "differs"   # 2.999 vs 3.1
    base["walls"]["ideal_width_eq10_nm"] = 4.0
    v = _verdicts(scorecard.reproduction(scorecard.Metrics(base)))
    assert v["Ideal wall width"] == "agrees"


def test_missing_metrics_are_not_measured_and_every_verdict_is_a_known_word():
    rows = scorecard.reproduction(scorecard.Metrics({})) + scorecard.beyond(scorecard.Metrics({}))
    assert {r.verdict for r in rows} == {"not measured"}
    full = {"model": {"s_min": {"250": {"s_min": 0.5475}, "2000": {"s_min": 0.6216}}},
            "explicit": {"robust": {"median_all": 30.0, "median_kept": 20.0,
                                    "median_kept_seed_spread": 5.0, "separation": 4.4},
                         "summary": {"parseval_vs_explicit_half_zone_min_GHz": 300.0}},
            "walls": {"mirror": {"tiled_width_nm": 2.755, "whole_width_nm": 2.816}}}
    v = _verdicts(scorecard.beyond(scorecard.Metrics(full)))
    assert set(v.values()) == {"finite-chain effect", "limitation of the model"}
    full["explicit"]["robust"]["separation"] = 1.5
    v = _verdicts(scorecard.beyond(scorecard.Metrics(full)))
    assert "holds" in v.values()
    words = set(tables.VERDICT_COLOURS)
    assert all(r.verdict in words for r in scorecard.reproduction(scorecard.Metrics(full)))


def test_tables_write_words_not_booleans_and_escape_html():
    html = tables.html_table(["a", "b"], [[True, "<x>"], [None, 1.23456]], digits=3)
    assert ">yes<" in html and "True" not in html and "&lt;x&gt;" in html
    assert ">—<" in html and ">1.23<" in html
    assert tables.word(False) == "no" and tables.word(float("nan")) == "—"


def test_a_second_run_is_shown_beside_the_first():
    a = scorecard.reproduction(scorecard.Metrics({"model": {"lambda_ex_nm": 2.999}}))
    b = scorecard.reproduction(scorecard.Metrics({"model": {"lambda_ex_nm": 3.1}}))
    cells = scorecard.table_rows(a, b)
    row = next(c for c in cells if c[0].startswith("Exchange length"))
    assert row[3] == "differs" and row[-1] == "agrees" and len(row) == len(scorecard.header("ci", "paper scale"))
