"""Classical baselines of the inverse chapters (scikit-learn, the ``[baselines]`` extra).

* :func:`knn_and_forest`: k-nearest neighbours (distance-weighted, k chosen on the validation
  split by the mean squared error) and a random forest, fitted to a trained network's own
  standardised inputs and targets (its normalisation, fitted on the training split), so that
  they see what the network sees;
* :func:`nearest_mean`: the mean target of the k training samples closest in one scalar
  feature: the s_min oracle of chapter 4 and the width-only regressor of chapter 6.

Predictions are returned in the targets' SI units ((σ, τ) [m]).
"""

from __future__ import annotations

import numpy as np

__all__ = ["standardised", "knn_and_forest", "nearest_mean"]


def _sklearn():
    try:
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.neighbors import KNeighborsRegressor
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the baselines need scikit-learn: pip install 'spsll[baselines]'"
        ) from e
    return KNeighborsRegressor, RandomForestRegressor


def standardised(model, splits: dict):
    """``(X, Y)``: each split's peak frequencies and (σ, τ) encoded by ``model.norms``
    ("input", "target"), numpy arrays keyed like ``splits``."""
    import torch

    norms = model.norms
    X = {n: norms["input"].encode(torch.as_tensor(ds.peak_frequency)).numpy()
         for n, ds in splits.items()}
    Y = {n: norms["target"].encode(torch.as_tensor(ds.targets)).numpy()
         for n, ds in splits.items()}
    return X, Y


def knn_and_forest(model, splits: dict, *, ks=(3, 5, 8, 12), n_trees: int = 300,
                   seed: int = 0, n_jobs: int = 1):
    """``({"knn": pred, "rf": pred}, k_best)``: test-split predictions [m] of a
    distance-weighted k-NN (k in ``ks`` with the lowest validation MSE of the standardised
    targets) and of a random forest of ``n_trees`` trees (``random_state=seed``), both fitted on
    the training split standardised by ``model`` (see :func:`standardised`)."""
    import torch

    KNN, RF = _sklearn()
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must hold positive neighbour counts, got {ks}")
    if n_trees < 1:
        raise ValueError(f"n_trees must be ≥ 1, got {n_trees}")
    X, Y = standardised(model, splits)
    val_score = {}
    for kk in ks:
        p = KNN(kk, weights="distance").fit(X["train"], Y["train"])
        val_score[kk] = -np.mean((p.predict(X["val"]) - Y["val"]) ** 2)
    k_best = max(val_score, key=val_score.get)
    knn = KNN(k_best, weights="distance").fit(X["train"], Y["train"])
    rf = RF(n_trees, random_state=seed, n_jobs=n_jobs)
    rf.fit(X["train"], Y["train"])
    decode = model.norms["target"].decode
    pred = {name: decode(torch.as_tensor(m.predict(X["test"]))).numpy()
            for name, m in (("knn", knn), ("rf", rf))}
    return pred, k_best


def nearest_mean(feature_train, targets_train, feature_query, k: int = 10):
    """Mean of ``targets_train`` over the ``k`` training samples nearest in the scalar
    ``feature`` (uniform weights): shape (len(feature_query), targets' columns)."""
    KNN, _ = _sklearn()
    f_tr = np.asarray(feature_train, dtype=float).reshape(-1)
    if not 1 <= k <= f_tr.size:
        raise ValueError(f"k must be in [1, {f_tr.size}] (training samples), got {k}")
    reg = KNN(k).fit(f_tr[:, None], targets_train)
    return reg.predict(np.asarray(feature_query, dtype=float).reshape(-1)[:, None])
