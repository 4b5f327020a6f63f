"""``spsll train {inverse,tfc,walls}``: train the paper's networks on an HDF5 store of :mod:`spsll.data.generate`.

    spsll train tfc     --data dispersions.h5 --out runs/tfc
    spsll train inverse --data dispersions.h5 --out runs/inverse --ensemble 3
    spsll train inverse --data dispersions.h5 --out runs/fast --fold-k --channels 32 64 128 64
    spsll train walls   --data walls.h5 --out runs/walls --loss paper_wall
    spsll train walls   --data walls.h5 --out runs/walls --epochs 40 --resume

Every training option defaults to the book's recipe for that network
(:mod:`spsll.learn.config`), and the run goes through
:func:`spsll.learn.ensemble.train_ensemble`, the path the chapters use: the same store and seed
give the chapter's numbers.  The saved model takes and returns SI values
(``spsll predict DIR INPUT``, or ``spsll.learn.train.load_model(DIR/model.pt)``).

Writes into ``--out``: ``checkpoint.pt`` (resumable), ``model.pt`` (best weights),
``history.json`` and ``summary.json`` (settings and test-split metrics); with ``--ensemble K``
one ``member_<seed>/`` per seed (seeds S … S+K−1) and the ensemble's metrics.  ``--resume``
continues a run after checking that it is the same network, store (by fingerprint) and settings.
Ctrl-C keeps the last checkpoint, says how to resume, and exits with status 130.

Exit status: 0 done, 2 invalid options (or an existing run without ``--resume``, or a run that
cannot be resumed with these options), 3 unusable store, 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

import numpy as np

_DESCRIPTION = """Train a network of the paper on a store written by 'spsll generate'.

  inverse  InverseCNN:    dispersion -> (sigma, tau)          (store of dispersions)
  tfc      TFCDispersion: (sigma, tau) -> dispersion          (store of dispersions)
  walls    WallNet:       m_z profile + width -> (sigma, tau) (store of walls)

Every option defaults to the book's recipe for the network (spsll.learn.config).
Writes checkpoint.pt (resumable: --resume), model.pt (best weights; SI in, SI out),
history.json and summary.json (test-split metrics) into --out; --ensemble K trains
K members (member_<seed>/).  Ctrl-C keeps the last checkpoint and exits with 130.
Exit status: 0 done, 2 invalid options, 3 unusable store, 130 interrupted."""

HELPS = {
    "inverse": "dispersion -> (sigma, tau): the paper's CNN (store of dispersions)",
    "tfc": "(sigma, tau) -> dispersion by a constrained TFC expression (store of dispersions)",
    "walls": "m_z profile + wall width -> (sigma, tau): two-branch CNN (store of walls)",
}


def _patience(text):
    if str(text).lower() == "none":
        return None
    return int(text)


def _config(args):
    from .learn.config import CONFIGS

    cls = CONFIGS[args.kind]
    values = {}
    for f in dataclasses.fields(cls):
        if hasattr(args, f.name):
            v = getattr(args, f.name)
            values[f.name] = tuple(v) if isinstance(v, list) else v
    return cls(**values)


def _summary(config, splits, ens, histories, seeds, data):
    from .learn import metrics
    from .learn.predict import predict_ensemble

    test = splits["test"]
    pred = predict_ensemble(ens, test)
    summary = {
        "kind": config.kind,
        "data": os.path.abspath(data),
        "store_fingerprint": test.fingerprint,
        "seeds": seeds,
        "config": config.to_dict(),
        "n": {k: len(v) for k, v in splits.items()},
        "best_val_loss": [h.best_val_loss for h in histories],
        "best_epoch": [h.best_epoch for h in histories],
    }
    if config.kind == "tfc":
        score = lambda p: {
            "dispersion_mae_THz": metrics.mae(test.peak_frequency, p, axis=None) / 1e12,
            "dispersion_rmse_THz": metrics.rmse(test.peak_frequency, p, axis=None)
            / 1e12,
        }
    else:
        solver = test.info["settings"]["solver"]
        chain = dict(
            n_cells=int(solver["n_cells"]),
            a=float(test.info["settings"]["material"]["a"]),
            scheme=solver.get("scheme", "parseval"),
        )
        score = lambda p: metrics.inverse_scores(test.targets, p, **chain)
    summary["test"] = score(pred.mean)
    if len(seeds) > 1:
        summary["test_members"] = [score(p) for p in pred.members]
        lo, hi = pred.interval(1.96)
        truth = test.peak_frequency if config.kind == "tfc" else test.targets
        summary["test"]["interval_1.96_coverage"] = float(
            np.mean((truth >= lo) & (truth <= hi))
        )
    return summary


def _interrupted(args, seeds) -> int:
    """Ctrl-C: say which epochs each member kept and how to resume; exit status 130."""
    from .learn.checkpoint import load_checkpoint
    from .learn.ensemble import member_dirs

    lines = []
    for seed, d in zip(seeds, member_dirs(args.out, seeds)):
        ck = os.path.join(d, "checkpoint.pt")
        if os.path.exists(ck):
            try:
                epoch = int(load_checkpoint(ck)["epoch"])
                lines.append(f"  {ck}: {epoch} epoch{'s' * (epoch != 1)} kept")
            except (ValueError, KeyError) as e:
                lines.append(f"  {ck}: unreadable ({e})")
        else:
            lines.append(f"  member seed {seed}: no epoch finished yet, nothing kept")
    print(
        "spsll train: interrupted (Ctrl-C).\n"
        + "\n".join(lines)
        + f"\nresume with the same command and --resume, e.g.\n  spsll train {args.kind} --data {args.data} "
        f"--out {args.out} [same options] --resume",
        file=sys.stderr,
    )
    return 130


def cmd_train(args):
    from .data.datasets import StoreError
    from .learn.checkpoint import device
    from .learn.ensemble import train_ensemble
    from ._files import write_json

    config = _config(args)
    if args.ensemble < 1:
        raise ValueError(f"--ensemble must be >= 1, got {args.ensemble}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    device(args.device)
    try:
        splits = config.load_splits(args.data, allow_incomplete=args.allow_incomplete)
    except (StoreError, OSError) as e:
        print(f"spsll train: error: {e}", file=sys.stderr)
        return 3
    for name, ds in splits.items():
        if len(ds) == 0:
            print(
                f"spsll train: error: the {name} split of {args.data} is empty (fractions "
                f"{list(config.fractions)}, {len(splits['train'])} training samples)",
                file=sys.stderr,
            )
            return 3 if name == "train" else 2
    seeds = list(range(args.seed, args.seed + args.ensemble))
    try:
        ens, histories = train_ensemble(
            config,
            splits["train"],
            splits["val"],
            seeds=seeds,
            out_dir=args.out,
            resume=args.resume,
            metadata={"data": os.path.abspath(args.data)},
            device=args.device,
            progress=not args.no_progress,
            checkpoint_every=args.checkpoint_every,
        )
    except KeyboardInterrupt:
        return _interrupted(args, seeds)
    for h, s in zip(histories, seeds):
        print(
            f"seed {s}: {len(h.epoch)} epochs, best val loss {h.best_val_loss:.4g} at epoch {h.best_epoch}"
            + (" (stopped early)" if h.stopped_early else "")
        )
    summary = _summary(config, splits, ens, histories, seeds, args.data)
    write_json(os.path.join(args.out, "summary.json"), summary)
    print(json.dumps(summary["test"], indent=2))
    print(f"wrote {os.path.join(args.out, 'summary.json')}")
    return 0


#: options of every network: flag, argparse keywords (the default is the recipe's field)
_COMMON = [
    ("--epochs", dict(type=int, help="total epochs (a resumed run counts those done)")),
    ("--batch-size", dict(type=int, help="minibatch size")),
    ("--lr", dict(type=float, help="Adam learning rate")),
    ("--weight-decay", dict(type=float, help="Adam weight decay")),
    ("--patience", dict(type=_patience, help="early-stopping patience in epochs ('none': "
                        "train every epoch)")),
    ("--lr-patience", dict(type=int, help="ReduceLROnPlateau patience [epochs]")),
    ("--lr-factor", dict(type=float, help="ReduceLROnPlateau factor, in (0, 1)")),
    ("--fractions", dict(type=float, nargs=3, metavar=("TRAIN", "VAL", "TEST"),
                         help="split of the store")),
    ("--split-seed", dict(type=int, help="seed of the train/val/test split")),
]
#: options of one network
_OWN = {
    "tfc": [
        ("--form", dict(choices=["harmonic", "paper"], help="constrained expression: "
                        "improved cosine harmonics or the paper's Eq. 8")),
        ("--n-harmonics", dict(type=int, help="N of the harmonic form"))],
    "inverse": [
        ("--dropout", dict(type=float, help="dropout fraction, in [0, 0.95]")),
        ("--channels", dict(type=int, nargs=4, metavar="C",
                            help="channels of the 4 conv blocks (positive integers)")),
        ("--fold-k", dict(action="store_true", help="fold the even dispersion onto |k| "
                          "(half the input; not in the paper)"))],
    "walls": [
        ("--dropout", dict(type=float, help="dropout fraction, in [0, 0.95]")),
        ("--channels", dict(type=int, nargs=4, metavar="C",
                            help="channels of the 4 conv blocks (positive integers)")),
        ("--width", dict(choices=["cosine", "tanh"], help="wall-width estimate used as "
                         "input (cosine series, paper Eq. 10, or tanh fit)")),
        ("--window", dict(type=int, help="cells around the wall that the profile branch "
                          "sees (default: all; 64 is as accurate and ~9x faster)"))],
}
#: options of the run, not of the recipe
_RUN = [
    ("--seed", dict(type=int, default=0, help="seed of initialisation, dropout and shuffling")),
    ("--ensemble", dict(type=int, default=1, help="train K members with seeds S..S+K-1")),
    ("--device", dict(default="cpu", help="torch device, e.g. cpu or cuda")),
    ("--resume", dict(action="store_true", help="continue the run in --out from its "
                      "checkpoint.pt")),
    ("--checkpoint-every", dict(type=int, default=1, help="write checkpoint.pt every N epochs")),
    ("--allow-incomplete", dict(action="store_true", help="use the finished part of an "
                                "unfinished store")),
    ("--no-progress", dict(action="store_true", help="no progress bar")),
]


def _add_options(s, cls):
    d = cls()
    loss = ("--loss", dict(choices=list(cls.losses()), help="mse: on standardised targets; "
                           "mae; paper_wall: MSE(sigma) + 5 MSE(tau) in nm"))
    for flag, kw in _COMMON + [loss] + _OWN[cls.kind]:
        value = getattr(d, flag[2:].replace("-", "_"))
        if kw.get("action") != "store_true":
            kw = {**kw, "default": list(value) if isinstance(value, tuple) else value}
        s.add_argument(flag, **kw)
    for flag, kw in _RUN:
        s.add_argument(flag, **kw)


def register(sub):
    """Add the ``train`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    from .learn.config import CONFIGS

    t = sub.add_parser("train", help="train a network (inverse CNN, TFC dispersion, wall net) "
                       "on a store", description=_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = t.add_subparsers(dest="kind", required=True)
    for kind, cls in CONFIGS.items():
        s = kinds.add_parser(kind, help=HELPS[kind],
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        s.add_argument("--data", required=True, default=argparse.SUPPRESS,
                       help="HDF5 store written by 'spsll generate' (required)")
        s.add_argument("--out", required=True, default=argparse.SUPPRESS,
                       help="output folder (required)")
        _add_options(s, cls)
        s.set_defaults(func=cmd_train)
