"""Train a network (or an ensemble, one member per seed) from its :mod:`~spsll.learn.config`.

:func:`train_ensemble` is the one path from a store's splits to trained models, used by
``spsll train`` and the chapters alike: for each seed, seed everything, build the model from the
configuration, fit its normalisation on the training split, train, keep the best weights.  With
``out_dir`` every member writes its checkpoint (``out_dir`` itself for one seed,
``out_dir/member_<seed>/`` for several); ``resume=True`` continues those runs after checking
that the checkpoint belongs to the same network, store and settings (:func:`check_resume`).
"""

from __future__ import annotations

import os

from .._validate import non_negative_int
from .checkpoint import load_checkpoint
from .config import CONFIGS, TrainConfig
from .predict import Ensemble
from .seeding import seed_everything
from .trainer import Trainer

__all__ = ["train_ensemble", "member_dirs", "check_resume", "ResumeError"]


class ResumeError(ValueError):
    """A checkpoint cannot be resumed with the given network, store or settings."""


def member_dirs(out_dir, seeds) -> list:
    """Folder of each member: ``out_dir`` for one seed, ``out_dir/member_<seed>`` for several."""
    if out_dir is None:
        return [None] * len(seeds)
    out_dir = os.fspath(out_dir)
    return (
        [out_dir]
        if len(seeds) == 1
        else [os.path.join(out_dir, f"member_{s}") for s in seeds]
    )


def check_resume(
    ckpt: dict, config: TrainConfig, *, seed: int, fingerprint: str | None, path
) -> None:
    """Refuse (:class:`ResumeError`, naming each difference) to resume ``ckpt`` with another
    network kind, another store (by :func:`spsll.data.datasets.store_fingerprint`), another seed
    or other settings than the run's (only ``epochs``, the new total, may change)."""
    name = ckpt.get("model_name")
    if name != config.model_name:
        kind = {c.model_name: k for k, c in CONFIGS.items()}.get(name, "?")
        raise ResumeError(
            f"{path} holds a {name} run ('spsll train {kind}'); it cannot be resumed "
            f"as 'train {config.kind}' ({config.model_name})"
        )
    meta = ckpt.get("metadata", {})
    problems = []
    stored_fp = meta.get("store_fingerprint")
    if fingerprint is not None and stored_fp is not None and stored_fp != fingerprint:
        problems.append(
            f"data: this store (fingerprint {fingerprint}) is not the one the run was "
            f"trained on ({meta.get('data', '?')}, fingerprint {stored_fp})"
        )
    stored_seed = ckpt.get("train_config", {}).get("seed")
    if stored_seed is not None and int(stored_seed) != int(seed):
        problems.append(f"seed: {stored_seed} (checkpoint) != {seed} (now)")
    if "config" in meta:
        problems += config.differences(meta["config"])
    if problems:
        raise ResumeError(
            f"cannot resume {path}: it was trained with other settings\n  "
            + "\n  ".join(problems)
            + "\nresume with the run's settings (only --epochs may change), or choose another --out"
        )


def _check_seeds(seeds) -> list:
    seeds = [non_negative_int("seeds", s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    return seeds


def _plan(config, seeds, dirs, resume, fingerprint) -> list:
    """Checkpoint to resume per member (or None), after checking every one of them first."""
    plan = []
    for seed, d in zip(seeds, dirs):
        ck = None if d is None else os.path.join(d, "checkpoint.pt")
        if ck is None or not os.path.exists(ck):
            plan.append(None)
            continue
        if not resume:
            raise ValueError(
                f"{d} already holds a run ({ck}): resume it (resume=True, or --resume "
                f"with --epochs as the new total) or choose another output folder"
            )
        check_resume(
            load_checkpoint(ck), config, seed=seed, fingerprint=fingerprint, path=ck
        )
        plan.append(ck)
    return plan


def train_ensemble(
    config: TrainConfig,
    train_data,
    val_data=None,
    *,
    seeds=(0,),
    out_dir=None,
    resume: bool = False,
    model_fn=None,
    metadata: dict | None = None,
    **run,
):
    """Train one model per seed with ``config``'s recipe; returns ``(Ensemble, [History, ...])``.

    ``train_data``, ``val_data``: SI datasets (e.g. ``config.load_splits(store)``).  ``model_fn``:
    a callable returning a fresh model, instead of ``config.build_model`` (called right after
    seeding).  ``metadata``: plain values stored in the checkpoints besides the configuration and
    the store's fingerprint.  ``run``: ``device``, ``progress``, ``checkpoint_every``,
    ``num_workers`` of :class:`~spsll.learn.trainer.Trainer`.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"config must be a TrainConfig (e.g. spsll.learn.config.TFCConfig()), "
            f"got {type(config).__name__}"
        )
    seeds = _check_seeds(seeds)
    dirs = member_dirs(out_dir, seeds)
    fingerprint = getattr(train_data, "fingerprint", None)
    plan = _plan(config, seeds, dirs, resume, fingerprint)
    meta = {"kind": config.kind, "config": config.to_dict(), **(metadata or {})}
    if fingerprint is not None:
        meta["store_fingerprint"] = fingerprint
    members, histories = [], []
    for seed, d, ck in zip(seeds, dirs, plan):
        if ck is not None:
            tr = Trainer.from_checkpoint(
                ck, train_data, val_data, epochs=config.epochs, checkpoint_dir=d, **run
            )
        else:
            seed_everything(seed)
            model = (
                model_fn()
                if model_fn is not None
                else config.build_model(train_data, fit=False)
            )
            model.fit_normalization(train_data)
            tr = Trainer(
                model,
                train_data,
                val_data,
                seed=seed,
                checkpoint_dir=d,
                metadata=meta,
                **config.trainer_kwargs(),
                **run,
            )
        histories.append(tr.fit())
        members.append(tr.model)
    return Ensemble(members), histories
