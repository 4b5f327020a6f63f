"""``spsll train {inverse,tfc,walls}``: train the paper's networks on an HDF5 store of :mod:`spsll.data.generate`.

    spsll train inverse --data dispersions.h5 --out runs/inverse --epochs 200 --seed 0
    spsll train inverse --data dispersions.h5 --out runs/fast --fold-k --channels 32 64 128 64
    spsll train tfc     --data dispersions.h5 --out runs/tfc --form harmonic
    spsll train walls   --data walls.h5 --out runs/walls --loss paper_wall --ensemble 5
    spsll train walls   --data walls.h5 --out runs/walls --epochs 400 --resume
    spsll train walls   --data walls.h5 --out runs/fast --window 64 --channels 8 16 32 32

* inverse: :class:`~spsll.learn.nets.InverseCNN`, dispersion → (σ, τ)   (store kind "dispersions")
* tfc:     :class:`~spsll.learn.nets.TFCDispersion`, (σ, τ) → dispersion (store kind "dispersions")
* walls:   :class:`~spsll.learn.nets.WallNet`, m_z profile + width → (σ, τ) (store kind "walls")

The data come from :mod:`spsll.data.datasets` (seeded train/val/test split, statistics of the training
split).  Those datasets yield normalised tensors; the command maps them back to SI units and
puts the same statistics into the model's normalisation buffers, so the saved model takes and
returns SI values (``spsll.learn.train.load_model(DIR/model.pt).predict(...)``).

Writes into ``--out``: ``checkpoint.pt`` (resumable), ``model.pt`` (best weights),
``history.json`` and ``summary.json`` (settings and test-split metrics); with ``--ensemble K``
one ``member_<seed>/`` per seed (seeds S … S+K−1) and the ensemble's metrics, including how
often the test targets fall inside the mean ± 1.96·spread interval.

Exit status: 0 done, 2 invalid options (or an existing run without ``--resume``), 3 unusable store.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset
from .units import NM, THZ

_DESCRIPTION = """Train a network of the paper on a store written by 'spsll generate'.

  inverse  InverseCNN:    dispersion -> (sigma, tau)          (store of dispersions)
  tfc      TFCDispersion: (sigma, tau) -> dispersion          (store of dispersions)
  walls    WallNet:       m_z profile + width -> (sigma, tau) (store of walls)

Writes checkpoint.pt (resumable: --resume), model.pt (best weights; SI in, SI out),
history.json and summary.json (test-split metrics) into --out; --ensemble K trains
K members (member_<seed>/) and reports the ensemble's mean, spread and interval coverage.
Exit status: 0 done, 2 invalid options, 3 unusable store."""

KINDS = {"inverse": "DispersionToDefects", "tfc": "DefectsToDispersion", "walls": "WallToDefects"}


def _tensor(a):
    return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)


def _si_dataset(kind, ds):
    """The items of a :mod:`spsll.data.datasets` split converted back to SI units (float32 tensors)."""
    from .learn.train import _collect
    x, y = _collect(ds)
    norm = ds.normalization
    if kind == "inverse":  # x (B, 1, N) standardised THz, y normalised (σ, τ)
        f = norm["dispersion"].invert(x[:, 0].numpy()) * THZ
        return TensorDataset(_tensor(f), _tensor(np.stack(ds.defects_to_si(y), -1)))
    if kind == "tfc":  # x normalised (σ, τ), y dispersion (THz or standardised)
        return TensorDataset(_tensor(np.stack(ds.defects_to_si(x), -1)), _tensor(ds.dispersion_to_si(y)))
    profile, width = x  # (B, 1, N) m_z, (B, 1) standardised nm
    w = norm["width"].invert(width.numpy()).reshape(-1) * NM
    return _PairDataset(_tensor(profile.reshape(len(profile), -1)), _tensor(w),
                        _tensor(np.stack(ds.defects_to_si(y), -1)))


class _PairDataset(Dataset):
    """Items ((profile, width), target) — the two-input form WallNet takes."""

    def __init__(self, profile, width, target):
        self.profile, self.width, self.target = profile, width, target

    def __len__(self):
        return len(self.target)

    def __getitem__(self, i):
        return (self.profile[i], self.width[i]), self.target[i]


def _build_model(kind, args, train_ds, si_train):
    """A fresh model sized to the data, with the datasets' training statistics in its buffers."""
    from .physics.material import Material
    from .learn.nets import InverseCNN, TFCDispersion, WallNet
    norm = train_ds.normalization
    defects = norm["defects"]
    if kind == "inverse":
        m = InverseCNN(length=si_train.tensors[0].shape[1], dropout=args.dropout, channels=tuple(args.channels),
                       fold_k=args.fold_k)
        m.set_normalization("input", norm["dispersion"].mean * THZ, norm["dispersion"].std * THZ)
    elif kind == "tfc":
        mat = Material(**train_ds.info["material"])
        m = TFCDispersion(material=mat, form=args.form, k=np.asarray(train_ds.k, float),
                          n_harmonics=args.n_harmonics)
        m.set_normalization("input", defects.mean * NM, defects.std * NM)
        return m
    else:
        (profile, _), _ = si_train[0]
        m = WallNet(length=profile.shape[-1], dropout=args.dropout, channels=tuple(args.channels), window=args.window)
        m.set_normalization("width", norm["width"].mean * NM, norm["width"].std * NM)
    m.set_normalization("target", defects.mean * NM, defects.std * NM)
    return m


def _metrics(kind, pred, target) -> dict:
    """Test metrics in display units: RMSE/MAE of σ, τ [nm]; MAE of the dispersion [THz]."""
    if kind == "tfc":
        err = np.abs(pred - target) / THZ
        return {"dispersion_mae_THz": float(err.mean()), "dispersion_max_mae_over_k_THz": float(err.mean(0).max()),
                "dispersion_rmse_THz": float(np.sqrt((err ** 2).mean()))}
    d = (pred - target) / NM
    return {"sigma_rmse_nm": float(np.sqrt((d[:, 0] ** 2).mean())), "tau_rmse_nm": float(np.sqrt((d[:, 1] ** 2).mean())),
            "sigma_mae_nm": float(np.abs(d[:, 0]).mean()), "tau_mae_nm": float(np.abs(d[:, 1]).mean()),
            "sigma_std_nm": float(target[:, 0].std() / NM), "tau_std_nm": float(target[:, 1].std() / NM)}


def _targets(ds):
    from .learn.train import _collect
    return _collect(ds)[1].double().numpy()


def cmd_train(args):
    from .learn import train as T
    try:
        from .data import datasets as D
    except ImportError as e:  # pragma: no cover - the module ships with spsll
        raise SystemExit(f"spsll train: error: spsll.data.datasets is not available ({e})")
    StoreError = getattr(D, "StoreError", OSError)

    kind = args.kind
    if args.ensemble < 1:
        raise ValueError(f"--ensemble must be >= 1, got {args.ensemble}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    kw = dict(target="nm", split_seed=args.split_seed, fractions=tuple(args.fractions),
              allow_incomplete=args.allow_incomplete)
    if kind == "walls":
        kw["width"] = args.width
    try:
        splits = D.load_splits(getattr(D, KINDS[kind]), args.data, **kw)
    except (StoreError, OSError) as e:
        print(f"spsll train: error: {e}", file=sys.stderr)
        return 3
    for name, ds in splits.items():
        if len(ds) == 0:
            print(f"spsll train: error: the {name} split of {args.data} is empty "
                  f"(fractions {list(args.fractions)}, {len(splits['train'])} training samples)", file=sys.stderr)
            return 3 if name == "train" else 2
    si = {name: _si_dataset(kind, ds) for name, ds in splits.items()}

    seeds = list(range(args.seed, args.seed + args.ensemble))
    dirs = [args.out] if args.ensemble == 1 else [os.path.join(args.out, f"member_{s}") for s in seeds]
    existing = [d for d in dirs if os.path.exists(os.path.join(d, "checkpoint.pt"))]
    if existing and not args.resume:
        raise ValueError(f"--out {args.out} already holds a run ({existing[0]}/checkpoint.pt): pass --resume to "
                         f"continue it (with --epochs as the new total) or choose another --out")
    loss = args.loss
    if kind == "tfc" and loss == "paper_wall":
        raise ValueError("--loss paper_wall is the (σ, τ) loss of the wall network; use mse or mae for tfc")
    metadata = {"data": os.path.abspath(args.data), "kind": kind, "split_seed": args.split_seed,
                "fractions": list(args.fractions), "dataset_normalization": splits["train"].normalization.state_dict(),
                "store_material": dict(splits["train"].info.get("material", {}))}
    common = dict(epochs=args.epochs, device=args.device, progress=not args.no_progress,
                  checkpoint_every=args.checkpoint_every)
    models, histories = [], []
    for seed, d in zip(seeds, dirs):
        ck = os.path.join(d, "checkpoint.pt")
        if args.resume and os.path.exists(ck):
            tr = T.Trainer.from_checkpoint(ck, si["train"], si["val"], checkpoint_dir=d, **common)
            print(f"resuming {ck} at epoch {tr.epoch}")
        else:
            T.seed_everything(seed)
            model = _build_model(kind, args, splits["train"], si["train"])
            tr = T.Trainer(model, si["train"], si["val"], loss=loss, batch_size=args.batch_size, lr=args.lr,
                           weight_decay=args.weight_decay, patience=args.patience, lr_patience=args.lr_patience,
                           lr_factor=args.lr_factor, seed=seed, checkpoint_dir=d, metadata=metadata, **common)
        h = tr.fit()
        models.append(tr.model)
        histories.append(h)
        print(f"{d}: {len(h.epoch)} epochs, best val loss {h.best_val_loss:.4g} at epoch {h.best_epoch}"
              + (" (stopped early)" if h.stopped_early else ""))

    test_y = _targets(si["test"])
    summary = {"kind": kind, "data": os.path.abspath(args.data), "seeds": seeds,
               "n": {k: len(v) for k, v in si.items()}, "loss": loss,
               "best_val_loss": [h.best_val_loss for h in histories],
               "best_epoch": [h.best_epoch for h in histories]}
    if len(models) == 1:
        summary["test"] = _metrics(kind, T.predict(models[0], si["test"]), test_y)
    else:
        ens = T.predict_ensemble(models, si["test"])
        lo, hi = ens.interval(1.96)
        summary["test"] = _metrics(kind, ens.mean, test_y)
        summary["test_members"] = [_metrics(kind, p, test_y) for p in ens.members]
        summary["test"]["interval_1.96_coverage"] = float(np.mean((test_y >= lo) & (test_y <= hi)))
        summary["test"]["mean_spread"] = float(ens.std.mean() / (THZ if kind == "tfc" else NM))
    T._write_json(os.path.join(args.out, "summary.json"), summary)
    print(json.dumps(summary["test"], indent=2))
    print(f"wrote {os.path.join(args.out, 'summary.json')}")
    return 0


def register(sub):
    """Add the ``train`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    t = sub.add_parser("train", help="train a network (inverse CNN, TFC dispersion, wall net) on a store",
                       description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = t.add_subparsers(dest="kind", required=True)
    helps = {"inverse": "dispersion -> (sigma, tau): the paper's CNN (store of dispersions)",
             "tfc": "(sigma, tau) -> dispersion by a constrained TFC expression (store of dispersions)",
             "walls": "m_z profile + wall width -> (sigma, tau): two-branch CNN (store of walls)"}
    for kind in KINDS:
        s = kinds.add_parser(kind, help=helps[kind], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        s.add_argument("--data", required=True, help="HDF5 store written by 'spsll generate'")
        s.add_argument("--out", required=True, help="output folder (checkpoint.pt, model.pt, history.json, summary.json)")
        s.add_argument("--epochs", type=int, default=200, help="total epochs (a resumed run counts those done)")
        s.add_argument("--seed", type=int, default=0, help="seed of initialisation, dropout and shuffling")
        s.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
        s.add_argument("--batch-size", type=int, default=64)
        s.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
        s.add_argument("--weight-decay", type=float, default=0.0)
        s.add_argument("--patience", type=int, default=30, help="early-stopping patience [epochs]")
        s.add_argument("--lr-patience", type=int, default=10, help="ReduceLROnPlateau patience [epochs]")
        s.add_argument("--lr-factor", type=float, default=0.5, help="ReduceLROnPlateau factor")
        losses = ["mse", "mae"] + (["paper_wall"] if kind != "tfc" else [])
        s.add_argument("--loss", choices=losses, default="mse",
                       help="mse: on standardised targets (default); paper_wall: MSE(sigma) + 5 MSE(tau) in nm")
        s.add_argument("--split-seed", type=int, default=0, help="seed of the train/val/test split")
        s.add_argument("--fractions", type=float, nargs=3, default=[0.8, 0.1, 0.1], metavar=("TRAIN", "VAL", "TEST"))
        s.add_argument("--ensemble", type=int, default=1, help="train K members with seeds S..S+K-1")
        s.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint.pt")
        s.add_argument("--checkpoint-every", type=int, default=1, help="write checkpoint.pt every N epochs")
        s.add_argument("--allow-incomplete", action="store_true", help="use the finished part of an unfinished store")
        s.add_argument("--no-progress", action="store_true", help="no progress bar")
        if kind == "tfc":
            s.add_argument("--form", choices=["harmonic", "paper"], default="harmonic",
                           help="constrained expression: improved cosine harmonics or the paper's Eq. 8")
            s.add_argument("--n-harmonics", type=int, default=6, help="N of the harmonic form")
        else:
            s.add_argument("--dropout", type=float, default=0.3)
            s.add_argument("--channels", type=int, nargs=4, metavar="C",
                           default=[64, 128, 256, 128] if kind == "inverse" else [32, 64, 128, 128],
                           help="channels of the 4 conv blocks" + (" (the compact CNN: 32 64 128 64 with --fold-k)"
                                                                   if kind == "inverse" else
                                                                   " of the profile branch (the compact net: 8 16 32 32)"))
        if kind == "inverse":
            s.add_argument("--fold-k", action="store_true",
                           help="fold the even dispersion onto |k| (half the input; not in the paper)")
        if kind == "walls":
            s.add_argument("--width", choices=["cosine", "tanh"], default="cosine",
                           help="wall-width estimate used as input (cosine series, paper Eq. 10, or tanh fit)")
            s.add_argument("--window", type=int, default=None,
                           help="cells around the wall that the profile branch sees (default: the whole profile; "
                                "64 is as accurate and ~9x faster)")
        s.set_defaults(func=cmd_train)
