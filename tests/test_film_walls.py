"""compare_film_walls: the film-wall comparison's bookkeeping, checked where the answer is known."""
import math

import numpy as np
import pytest

import spsll
from spsll.physics.film_walls import compare_film_walls, film_wall_table

NM = 1e-9


def test_ideal_films_agree_and_every_wall_is_counted_once():
    # τ = 0: every mask is vacancy-free, so each explicit wall is the ideal straight wall and
    # the SPS-LL wall (s ≡ 1) is the same wall; the relaxation tolerance leaves < 1e-4 nm
    c = compare_film_walls(spsll.FePt, np.array([10.0, 5.0]) * NM, np.array([0.0, 1.0]) * NM,
                           n_cells=(32, 8), n_realisations=3, max_iter=500)
    ideal = c["0"]
    assert (ideal["in_material"], ideal["pinned"], ideal["creeping"], ideal["no_wall"]) == (3, 0, 0, 0)
    assert ideal["width_mean_nm"] == pytest.approx(ideal["parseval_width_nm"], abs=1e-4)
    assert ideal["width_mean_nm"] == pytest.approx(ideal["mean_field_width_nm"], abs=1e-4)
    assert ideal["width_std_nm"] == pytest.approx(0.0, abs=1e-4)
    for d in (c["0"], c["1"]):
        assert d["in_material"] + d["pinned"] + d["creeping"] + d["no_wall"] == 3
    header, rows = film_wall_table(c)
    assert len(rows) == 2 and len(rows[0]) == len(header) and rows[0][1] == "3 / 0 / 0 / 0"
    assert all(v >= 0 for v in c["seconds"].values())
    se = c["1"]["width_se_nm"]
    assert se is None or math.isclose(se, c["1"]["width_std_nm"] / math.sqrt(c["1"]["in_material"]))
