"""``spsll predict MODEL INPUT``: run a trained network on a store or on a JSON/CSV file of measurements.

    spsll predict runs/inverse data/dispersions.h5            # every done sample, with metrics
    spsll predict runs/inverse curve.json --out pred.json     # the output of 'spsll dispersion --out'
    spsll predict runs/tfc pairs.csv --out dispersions.csv    # columns sigma_m,tau_m
    spsll predict runs/walls wall.json                        # the output of 'spsll wall --out'

MODEL: a run folder of ``spsll train`` (``model.pt``, or ``member_*/model.pt`` of an ensemble:
mean and spread over members) or a ``model.pt``/``checkpoint.pt`` file, read with
``torch.load(weights_only=True)``.  INPUT, read as data and never unpickled:

* ``.h5`` store of ``spsll generate`` (the network's direction; every done sample; the stored
  truth gives the metrics);
* ``.json``: InverseCNN ``peak_frequency_Hz`` (one curve or a list of curves, Hz, on the model's
  k grid); TFCDispersion ``sigma_m`` and ``tau_m`` (m); WallNet ``m`` (3, L) or ``m_z`` (L) or
  lists of them, and ``width_m`` (m) — the keys that ``spsll dispersion --out`` and ``spsll wall
  --out`` write;
* ``.csv`` with a header line: InverseCNN one curve per row (L columns, Hz); TFCDispersion columns
  ``sigma_m,tau_m``; WallNet a ``width_m`` column and L m_z columns in cell order.

Values are checked for type (real numbers), shape (the model's grid) and units (Hz, m) before
the network runs.  Exit status: 0 done, 2 invalid input or options, 3 unusable store.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys

import numpy as np

KEYS = {
    "InverseCNN": "peak_frequency_Hz",
    "TFCDispersion": "sigma_m, tau_m",
    "WallNet": "m or m_z, width_m",
}


def _load_models(path, device):
    from .learn.predict import Ensemble, load_ensemble
    from .learn.checkpoint import load_model

    if os.path.isdir(path):
        return load_ensemble(path, device=device)
    if not os.path.isfile(path):
        raise ValueError(
            f"MODEL {path!r} is neither a run folder nor a model.pt/checkpoint.pt file"
        )
    return Ensemble([load_model(path, device=device)])


def _real(name, value, ndim):
    """A float64 array of ``ndim`` dimensions (one more allowed: a batch) of finite real numbers."""
    try:
        a = np.asarray(value)
    except ValueError as e:
        raise ValueError(f"{name}: ragged or malformed array ({e})") from None
    if a.dtype.kind not in "iuf" or a.dtype == bool:
        raise ValueError(f"{name} must hold real numbers, got {a.dtype.name} values")
    a = a.astype(float)
    if a.ndim == ndim:
        a = a[None]
    if a.ndim != ndim + 1 or a.shape[0] == 0:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), or {ndim + 1} for a batch, got shape {a.shape}"
        )
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite")
    return a


def _frequencies(f, length):
    f = _real("peak_frequency_Hz", f, 1)
    if f.shape[1] != length:
        raise ValueError(
            f"peak_frequency_Hz must have {length} values per curve (the model's k grid), "
            f"got {f.shape[1]}"
        )
    if f.max() < 1e6:
        raise ValueError(
            f"peak_frequency_Hz must be in Hz; the largest value is {f.max():.3g}: "
            f"did you pass THz or GHz?"
        )
    if f.min() < 0 or f.max() > 1e15:
        raise ValueError("peak_frequency_Hz must lie in [0, 1e15] Hz")
    return f


def _pairs(sigma, tau):
    from ._validate import defect_params

    s, t, _ = defect_params(
        _real("sigma_m", sigma, 0).reshape(-1), _real("tau_m", tau, 0).reshape(-1)
    )
    return np.stack([s, t], -1)


def _walls(mz, width, length):
    mz = _real("m_z", mz, 1)
    if mz.shape[1] != length:
        raise ValueError(
            f"m_z must have {length} cells per profile (the model's), got {mz.shape[1]}"
        )
    if np.abs(mz).max() > 1 + 1e-6:
        raise ValueError("m_z is a unit-vector component and must lie in [-1, 1]")
    w = _real("width_m", width, 0).reshape(-1)
    if w.size != mz.shape[0]:
        raise ValueError(
            f"width_m must give one width per profile: {w.size} widths for {mz.shape[0]} profiles"
        )
    if np.any(w <= 0) or np.any(w > 1e-6):
        raise ValueError(
            f"width_m must be a length in metres in (0, 1e-6]; got up to {w.max():.3g}: "
            f"did you pass nanometres?"
        )
    return mz, w


def _from_json(path, model):
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    if not isinstance(d, dict):
        raise ValueError(
            f"{path}: the JSON input must be an object with the keys {KEYS[type(model).__name__]}"
        )
    name = type(model).__name__
    try:
        if name == "InverseCNN":
            return _frequencies(d["peak_frequency_Hz"], model.length)
        if name == "TFCDispersion":
            return _pairs(d["sigma_m"], d["tau_m"])
        m = d.get("m_z")
        if m is None:
            m = np.asarray(_real("m", d["m"], 2))[:, 2]
        return _walls(m, d["width_m"], model.length)
    except KeyError as e:
        raise ValueError(
            f"{path}: missing key {e} (a {name} needs {KEYS[name]})"
        ) from None


def _from_csv(path, model):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2:
        raise ValueError(
            f"{path}: a CSV input needs a header line and at least one row"
        )
    header, body = [h.strip() for h in rows[0]], rows[1:]
    try:
        values = np.array([[float(v) for v in r] for r in body if r])
    except ValueError as e:
        raise ValueError(
            f"{path}: every value after the header must be a number ({e})"
        ) from None
    if values.ndim != 2 or values.shape[1] != len(header):
        raise ValueError(
            f"{path}: every row must have {len(header)} values (the header's)"
        )
    name = type(model).__name__
    col = {h: i for i, h in enumerate(header)}
    if name == "InverseCNN":
        return _frequencies(values, model.length)
    if name == "TFCDispersion":
        if not {"sigma_m", "tau_m"} <= set(col):
            raise ValueError(
                f"{path}: the header must name the columns sigma_m and tau_m, got {header}"
            )
        return _pairs(values[:, col["sigma_m"]], values[:, col["tau_m"]])
    if "width_m" not in col:
        raise ValueError(
            f"{path}: the header must name a width_m column (and the m_z columns), got {header}"
        )
    rest = [i for i in range(len(header)) if i != col["width_m"]]
    return _walls(values[:, rest], values[:, col["width_m"]], model.length)


def _from_store(path, model):
    from .learn.config import CONFIGS

    cls = {c.model_name: c for c in CONFIGS.values()}[type(model).__name__]
    ds = cls(fractions=(1.0, 0.0, 0.0)).load_splits(path, allow_incomplete=True)[
        "train"
    ]
    if type(model).__name__ == "InverseCNN":
        return _frequencies(ds.peak_frequency, model.length), ds.targets
    if type(model).__name__ == "TFCDispersion":
        return ds.targets, ds.peak_frequency
    return _walls(ds.mz, ds.width, model.length), ds.targets


def read_input(path, model):
    """(inputs, truth or None) for ``model`` from a store, a JSON or a CSV file (see the module docstring)."""
    ext = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        raise ValueError(f"INPUT {path!r} does not exist")
    if ext in (".h5", ".hdf5"):
        return _from_store(path, model)
    if ext == ".json":
        return _from_json(path, model), None
    if ext == ".csv":
        return _from_csv(path, model), None
    raise ValueError(f"INPUT must be a .h5 store, a .json or a .csv file, got {path!r}")


def _write(out, model, x, pred):
    from ._files import atomic_write, write_json

    name = type(model).__name__
    if name == "TFCDispersion":
        cols = {
            "k_rad_per_m": model.k.numpy().tolist(),
            "peak_frequency_Hz": pred.mean.tolist(),
            "spread_Hz": pred.std.tolist(),
            "sigma_m": x[:, 0].tolist(),
            "tau_m": x[:, 1].tolist(),
        }
    else:
        cols = {
            "sigma_m": pred.mean[:, 0].tolist(),
            "tau_m": pred.mean[:, 1].tolist(),
            "sigma_spread_m": pred.std[:, 0].tolist(),
            "tau_spread_m": pred.std[:, 1].tolist(),
        }
    if out.lower().endswith(".csv"):
        if name == "TFCDispersion":
            header = ["sigma_m", "tau_m"] + [
                f"f_{j}_Hz" for j in range(pred.mean.shape[1])
            ]
            rows = np.column_stack([x, pred.mean])
        else:
            header = list(cols)
            rows = np.column_stack([cols[h] for h in header])
        text = (
            ",".join(header)
            + "\n"
            + "\n".join(",".join(repr(float(v)) for v in r) for r in rows)
            + "\n"
        )
        atomic_write(out, lambda fh: fh.write(text), binary=False)
    else:
        write_json(
            out, {"model": name, "n_members": int(pred.members.shape[0]), **cols}
        )


def _metrics(model, truth, pred):
    from .learn import metrics

    if type(model).__name__ == "TFCDispersion":
        return {"dispersion_mae_THz": metrics.mae(truth, pred, axis=None) / 1e12}
    return {
        "r2_sigma": metrics.r2(truth[:, 0], pred[:, 0]),
        "r2_tau": metrics.r2(truth[:, 1], pred[:, 1]),
        "rmse_sigma_nm": metrics.rmse(truth[:, 0], pred[:, 0]) / 1e-9,
        "rmse_tau_nm": metrics.rmse(truth[:, 1], pred[:, 1]) / 1e-9,
    }


def cmd_predict(args):
    from .data.datasets import StoreError
    from .learn.checkpoint import device
    from .learn.predict import predict_ensemble

    dev = device(args.device)
    ens = _load_models(args.model, dev)
    model = ens.members[0]
    try:
        x, truth = read_input(args.input, model)
    except (StoreError, OSError) as e:
        print(f"spsll predict: error: {e}", file=sys.stderr)
        return 3
    inputs = (
        tuple(np.asarray(v, dtype=np.float32) for v in x)
        if isinstance(x, tuple)
        else x.astype(np.float32)
    )
    pred = predict_ensemble(ens, inputs, batch_size=args.batch_size)
    n = len(pred.mean)
    print(
        f"{type(model).__name__} ({len(ens)} member{'s' * (len(ens) > 1)}): {n} prediction{'s' * (n > 1)}"
    )
    if type(model).__name__ != "TFCDispersion":
        for i in range(min(n, 5)):
            print(
                f"  sigma = {pred.mean[i, 0] / 1e-9:.2f} nm, tau = {pred.mean[i, 1] / 1e-9:.2f} nm"
            )
    if truth is not None:
        print(json.dumps(_metrics(model, truth, pred.mean), indent=2))
    if args.out:
        _write(args.out, model, x, pred)
        print(f"wrote {args.out}")
    return 0


def register(sub):
    """Add the ``predict`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    p = sub.add_parser(
        "predict",
        help="run a trained network on a store or a JSON/CSV file of measurements",
        description=__doc__.split("\n\n")[0]
        + "\n\n"
        + "\n\n".join(__doc__.split("\n\n")[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "model", help="run folder of 'spsll train' or a model.pt / checkpoint.pt file"
    )
    p.add_argument(
        "input", help=".h5 store, .json or .csv file of inputs in SI units (Hz, m)"
    )
    p.add_argument("--out", help="write the predictions to this .json or .csv file")
    p.add_argument(
        "--device", default="cpu", help="torch device, e.g. cpu or cuda (default: cpu)"
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=512,
        help="prediction batch size (default: 512)",
    )
    p.set_defaults(func=cmd_predict)
