"""``spsll train tfc`` with its defaults on the ci book's store reproduces chapter 5's figure.

The CLI and the chapter share one recipe (spsll.learn.config.TFCConfig) and one training path
(train_ensemble), so the seed-mean test MAE of the CLI's 3-member ensemble (seeds 0, 1, 2, the
chapter's) must equal the chapter's ``tfc.seed_mean_mae_THz_improved`` within the baseline's
tolerance (tests/baselines/ci.yml).  The TFC network is the cheapest of the three (~2 s per
member on one thread).  The store is the book's (256 dispersions, plan seed 0), written here to a
temporary folder (~20 s), bit for bit the book's data/ci/dispersions.h5, so that this test shares
no file with the book build that another xdist worker may be running.
"""

import json
import os

import numpy as np
import torch
import yaml

from spsll import cli
from spsll.data.generate import generate
from spsll.learn import metrics, train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_cli_tfc_reproduces_the_ci_chapter(tmp_path, capsys):
    store = str(tmp_path / "dispersions.h5")
    generate("dispersions", 256, store, seed=0, progress=False)  # the book's ci store
    base = yaml.safe_load(open(os.path.join(ROOT, "tests", "baselines", "ci.yml")))[
        "metrics"
    ]
    ref = base["tfc.seed_mean_mae_THz_improved"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the chapter
    try:
        assert (
            cli.main(
                [
                    "train",
                    "tfc",
                    "--data",
                    store,
                    "--out",
                    str(tmp_path / "tfc"),
                    "--ensemble",
                    "3",
                    "--no-progress",
                ]
            )
            == 0
        )
    finally:
        torch.set_num_threads(threads)
    summary = json.loads((tmp_path / "tfc" / "summary.json").read_text())
    assert summary["config"] == train.TFCConfig().to_dict() and summary["seeds"] == [
        0,
        1,
        2,
    ]
    maes = [m["dispersion_mae_THz"] for m in summary["test_members"]]
    assert abs(np.mean(maes) - ref["value"]) <= ref["abs"], (maes, ref)
    # the members the CLI saved give the same numbers through the Python API
    test = train.TFCConfig().load_splits(store)["test"]
    ens = train.load_ensemble(tmp_path / "tfc")
    again = [
        metrics.mae(test.peak_frequency, train.predict(m, test), axis=None) / 1e12
        for m in ens.members
    ]
    np.testing.assert_allclose(again, maes, rtol=1e-12)
