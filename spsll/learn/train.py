"""The learning layer's public names in one place (``from spsll.learn import train``).

The work is done in modules with one job each:

* :mod:`spsll.learn.config` — one training configuration per network (the book's recipe);
* ``spsll.learn.losses`` — the losses, in the model's loss space;
* ``spsll.learn.seeding`` — seeds and the RNG states a checkpoint saves;
* ``spsll.learn.checkpoint`` — History, atomic weights-only checkpoints, loading models;
* ``spsll.learn.trainer`` — the Trainer (fit, early stopping, resume);
* ``spsll.learn.ensemble`` — :func:`~spsll.learn.ensemble.train_ensemble`, the path from splits to trained members;
* ``spsll.learn.predict`` — predictions in SI units, rates, ensembles' mean and spread;
* :mod:`spsll.learn.metrics`, :mod:`spsll.learn.conformal` — scores and split-conformal intervals.

Normalisation is the model's: ``model.fit_normalization(train_data)`` (see :mod:`spsll.learn.nets`).
"""

from __future__ import annotations

from .checkpoint import (
    CHECKPOINT_FORMAT,
    History,
    load_checkpoint,
    load_model,
    save_checkpoint,
)
from .config import (
    CONFIGS,
    InverseConfig,
    TFCConfig,
    TrainConfig,
    WallConfig,
    config_for,
)
from .ensemble import ResumeError, check_resume, member_dirs, train_ensemble
from .losses import LOSSES, make_loss
from .nets import n_parameters
from .predict import (
    Ensemble,
    EnsemblePrediction,
    load_ensemble,
    predict,
    predict_ensemble,
    prediction_rate,
)
from .seeding import seed_everything
from .trainer import Trainer, fit, resume

__all__ = [
    "Trainer",
    "History",
    "fit",
    "resume",
    "seed_everything",
    "make_loss",
    "LOSSES",
    "save_checkpoint",
    "load_checkpoint",
    "load_model",
    "predict",
    "prediction_rate",
    "Ensemble",
    "EnsemblePrediction",
    "train_ensemble",
    "predict_ensemble",
    "load_ensemble",
    "CHECKPOINT_FORMAT",
    "TrainConfig",
    "InverseConfig",
    "TFCConfig",
    "WallConfig",
    "CONFIGS",
    "config_for",
    "ResumeError",
    "check_resume",
    "member_dirs",
    "n_parameters",
]
