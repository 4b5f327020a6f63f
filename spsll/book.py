"""Figures of merit of a book run: each chapter records its numbers, the build gathers them.

A chapter calls ``record(results_dir, "chapter", {...})``; this writes
``<results_dir>/chapters/<chapter>.json`` atomically.  ``gather(results_dir)`` merges all chapter
files into ``<results_dir>/metrics.json`` (also atomically), the file the scorecard renders and
the regression tests compare with ``tests/baselines/``.  Values must be JSON numbers, strings,
booleans or nested dicts/lists of them; numpy scalars are converted.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ._files import write_json


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if not math.isfinite(v):
            raise ValueError(f"metric value must be finite, got {v}")
        return v
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if v is None or isinstance(v, (str, int, bool)):
        return v
    raise TypeError(f"metric values must be numbers, strings, booleans or containers, got {type(v).__name__}")



def record(results_dir, chapter: str, values: dict) -> dict:
    """Record the figures of merit of one chapter; returns what was written."""
    if not chapter.replace("_", "").isalnum():
        raise ValueError(f"chapter must be alphanumeric (underscores allowed), got {chapter!r}")
    data = _plain(values)
    write_json(Path(results_dir) / "chapters" / f"{chapter}.json", data, sort_keys=True)
    return data


def gather(results_dir) -> dict:
    """Merge ``chapters/*.json`` into ``metrics.json``; returns the merged dict."""
    results_dir = Path(results_dir)
    merged = {}
    for p in sorted((results_dir / "chapters").glob("*.json")):
        merged[p.stem] = json.loads(p.read_text())
    write_json(results_dir / "metrics.json", merged, sort_keys=True)
    return merged


def load(results_dir) -> dict:
    p = Path(results_dir) / "metrics.json"
    return json.loads(p.read_text()) if p.exists() else {}
