"""Train the semantic heads: `python -m coach.rules.semantic.train [--data DIR] [--out STEM] [--only HEAD...]`.

Reads the labelled clauses of tests/data/rules/train/*.jsonl (one JSON object per line: text, lang,
authority 0/1, grant none|new|restate|invite, hostile 0/1, refusal 0/1), normalises them as the
validator does, encodes them once, and fits one L2-regularised logistic head per question with
scipy's L-BFGS (class-balanced). A fixed, hash-based fifth of the clauses is held back: each head's
threshold is the lowest that keeps precision at or above the target on that validation split, and
the split's precision and recall at that point are written beside the weights. Thresholds set on the
development round (tests/data/rules/dev/operating_points.yaml) then replace the calibrated ones for
the heads they name; both are recorded. Deterministic: the
same data give the same file.

A file teaches every head unless `teaches.yaml` in the folder names the heads it teaches: its rows
are read after every other file's, and the kernel's width is set without them. With `--only`, just
the heads named are trained (on every file that teaches them) and spliced into the shipped heads
(splice.py), so that a round written about one question leaves the other heads exactly as they were
(a full retraining moves every head a little: libsvm's solution is sensitive to the last bits of
the int8 encoder's vectors).

Never put held-out rounds (tests/data/rules/heldout/) in the training folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from coach.rules.normalize import normalize
from coach.rules.semantic.encoder import Encoder, UseEncoder
from coach.rules.semantic.heads import HEADS, Heads, load_heads
from coach.rules.semantic.ngrams import ngram_features
from coach.rules.semantic.splice import splice
from coach.rules.semantic.votes import piece_key, settle

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = ROOT / "tests" / "data" / "rules" / "train"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "rules" / "semantic"
DEFAULT_POINTS = ROOT / "tests" / "data" / "rules" / "dev" / "operating_points.yaml"
TARGET_PRECISION = 0.98
C = 10.0
LIN_C = 10.0
BLEND = 0.35


def labels_of(row: dict) -> dict[str, int | None]:
    """Each head's label for a row; None where the row does not say (the head skips the row).
    `grants` (how many benefits, 0-2) and `capitulation` come only with some files; a row that
    grants nothing says 0 for both. A row's `skip` lists heads it says nothing reliable about."""
    grant = row.get("grant", "none")
    gives = grant == "new"
    grants = row.get("grants")
    capitulation = row.get("capitulation")
    labels = {
        "authority": int(row.get("authority", 0)),
        "grant": int(gives),
        "invite": int(grant == "invite"),
        "hostile": int(row.get("hostile", 0)),
        "refusal": int(row.get("refusal", 0)),
        "capitulation": int(capitulation) if capitulation is not None else (None if gives else 0),
        "multi_grant": int(grants >= 2) if grants is not None else (None if gives else 0),
        "benefit": int(grant in ("new", "restate")),  # a benefit given, new or carried out
    }
    for head in row.get("skip", ()):  # heads the row must not teach ("skip": ["hostile"])
        labels[head] = None
    return labels


def count_grants(rows: list[dict]) -> list[dict]:
    """Fragments of one reply tell when a whole sentence gives two benefits: two pieces inside it
    labelled "new". Such a sentence line without its own `grants` gets that count (a multi_grant
    positive). One piece "new" says nothing (a piece may hold two benefits, "free X and Y"), so
    other sentences and the pieces keep no count."""
    by_reply: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("reply"):
            by_reply.setdefault(str(row["reply"]), []).append(row)
    out = []
    for row in rows:
        pieces = [r for r in by_reply.get(str(row.get("reply", "")), ()) if r is not row and r["norm"] in row["norm"]]
        given = sum(r.get("grant") == "new" for r in pieces)
        if given >= 2 and "grants" not in row and row.get("grant") == "new":
            row = {**row, "grants": given}
        out.append(row)
    return out


def taught_heads(folder: Path) -> dict[str, list[str]]:
    """{file stem: heads it teaches} from the folder's teaches.yaml; a file not named teaches all."""
    manifest = folder / "teaches.yaml"
    named = yaml.safe_load(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
    named = named or {}
    for stem, heads in named.items():
        unknown = set(heads) - set(HEADS)
        if unknown:
            raise SystemExit(f"teaches.yaml: {stem} names unknown heads {sorted(unknown)} (known: {', '.join(HEADS)})")
    return {str(stem): list(heads) for stem, heads in named.items()}


def load_rows(folder: Path) -> list[dict]:
    """Every piece once (keyed by votes.piece_key, first seen kept), with `labels`: each head's
    majority over the labels all writers gave it. Files that teach only some heads (teaches.yaml)
    are read last; a piece first seen in one is marked `partial`."""
    first: dict[str, dict] = {}
    votes: dict[str, list[dict[str, int | None]]] = {}
    teaches = taught_heads(folder)
    for path in sorted(folder.glob("*.jsonl"), key=lambda p: (p.stem in teaches, p.name)):
        taught = teaches.get(path.stem)
        parsed = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path.name}:{number}: not JSON ({exc})") from None
            parsed.append({**row, "norm": normalize(str(row.get("text", ""))).text.strip()})
        for row in count_grants(parsed):
            key = piece_key(row["norm"])
            if not key:
                continue
            labels = labels_of(row)
            if taught is not None:
                labels = {head: (label if head in taught else None) for head, label in labels.items()}
            votes.setdefault(key, []).append(labels)
            if key not in first:
                # Pieces of one reply share a split (a sentence holds its clauses).
                group = f"{path.stem}/{row['reply']}" if row.get("reply") else row["norm"]
                first[key] = {**row, "group": group, "partial": taught is not None}
    return [{**row, "labels": settle(votes[key])} for key, row in first.items()]


def is_validation(text: str) -> bool:
    return hashlib.sha1(text.encode("utf-8")).digest()[0] < 52  # about a fifth


def fit_head(x: np.ndarray, y: np.ndarray, gamma: float, c: float = C):
    """A class-balanced RBF support-vector machine (scikit-learn, train-time only)."""
    from sklearn.svm import SVC

    return SVC(C=c, kernel="rbf", gamma=gamma, class_weight="balanced").fit(x, y)


def fit_linear(f, y: np.ndarray, c: float = LIN_C):
    """A class-balanced logistic regression over hashed n-grams (scikit-learn, train-time only)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(f, y)


def consolidate(models: list, rows: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One set of support vectors for all heads (the union), with each head's coefficients.
    `rows[h]` maps head h's training rows to rows of `x`."""
    union = sorted({int(rows[h][i]) for h, m in enumerate(models) for i in m.support_})
    where = {i: n for n, i in enumerate(union)}
    coef = np.zeros((len(union), len(models)))
    for h, m in enumerate(models):
        for i, dual in zip(m.support_, m.dual_coef_[0]):
            coef[where[int(rows[h][i])], h] = dual
    intercept = np.array([m.intercept_[0] for m in models])
    return x[union], coef, intercept


def calibrate(p: np.ndarray, y: np.ndarray, target: float = TARGET_PRECISION) -> tuple[float, float, float]:
    """The lowest threshold (>= 0.5, the margin's middle) whose precision on (p, y) reaches `target`; with its precision
    and recall. If none does, the threshold of the best precision."""
    best = (0.99, 0.0, 0.0)
    for t in np.unique(np.concatenate([[0.5], p[p >= 0.5]])):
        flagged = p >= t
        if not flagged.any():
            continue
        precision = float(y[flagged].mean())
        recall = float(flagged[y == 1].mean()) if y.any() else 0.0
        if precision >= target:
            return float(t), precision, recall
        if precision > best[1]:
            best = (float(t), precision, recall)
    return best


def train(data: Path, encoder: Encoder, target: float = TARGET_PRECISION, c: float = C,
          points: dict[str, float] | None = None, only: Sequence[str] = (), onto: Heads | None = None) -> Heads:
    """Every head, or with `only` and `onto` just those heads, spliced into `onto` (splice.py)."""
    rows = load_rows(data)
    if not rows:
        raise SystemExit(f"no training rows under {data}")
    started = time.perf_counter()
    x = encoder.encode([r["norm"] for r in rows]).astype(np.float64)
    encoded = time.perf_counter() - started
    val = np.array([is_validation(r["group"]) for r in rows])
    whole = np.array([not r.get("partial") for r in rows])
    gamma = onto.gamma if onto is not None else 1.0 / (x.shape[1] * float(x[~val & whole].var()))
    names = tuple(only) if onto is not None and only else HEADS
    labels = [r["labels"] for r in rows]
    texts = [r["norm"] for r in rows]
    f = ngram_features(texts)
    models, linear, used = [], [], []
    for name in names:
        y = np.array([-1 if lab[name] is None else lab[name] for lab in labels])
        known = ~val & (y >= 0)
        models.append(fit_head(x[known], y[known], gamma, c))
        linear.append(fit_linear(f[known], y[known]))
        used.append(np.flatnonzero(known))
    vectors, coef, intercept = consolidate(models, used, x)
    lin_coef = np.stack([m.coef_[0] for m in linear], axis=1).astype(np.float16).astype(np.float32)
    lin_intercept = np.array([m.intercept_[0] for m in linear])
    if onto is not None and names != HEADS:
        heads = splice(onto, names, vectors, coef, intercept, lin_coef, lin_intercept)
    else:
        heads = Heads(HEADS, vectors.astype(np.float32), coef, intercept, gamma, np.full(len(HEADS), 0.5),
                      lin_coef, lin_intercept, BLEND)
    cols = [HEADS.index(n) for n in names]
    val_texts = [t for t, v in zip(texts, val) if v]
    p_val = heads.probabilities(x[val], val_texts)
    svm = 1.0 / (1.0 + np.exp(-np.stack([m.decision_function(x[val]) for m in models], axis=1)))
    lin = np.stack([m.predict_proba(f[val])[:, 1] for m in linear], axis=1)
    if not np.allclose(p_val[:, cols], (1 - BLEND) * svm + BLEND * lin, atol=5e-3):
        raise SystemExit("numpy inference disagrees with scikit-learn's; refusing to write the heads")
    thresholds = [float(t) for t in heads.thresholds] if onto is not None and names != HEADS else [0.5] * len(HEADS)
    report = dict(onto.meta.get("report", {})) if onto is not None and names != HEADS else {}
    for h, name in zip(cols, names):
        m = names.index(name)
        y = np.array([-1 if lab[name] is None else lab[name] for lab in labels], dtype=np.float64)
        known = val & (y >= 0)
        t, precision, recall = calibrate(p_val[known[val], h], y[known], target)
        calibrated = t
        if points and name in points:
            t = float(points[name])
            flagged = p_val[known[val], h] >= t
            precision = float(y[known][flagged].mean()) if flagged.any() else 0.0
            recall = float(flagged[y[known] == 1].mean()) if (y[known] == 1).any() else 0.0
        thresholds[h] = t
        report[name] = {
            "train_positives": int((y[~val] == 1).sum()), "validation_positives": int((y[known] == 1).sum()),
            "support_vectors": int(models[m].support_.size), "calibrated_threshold": round(calibrated, 4),
            "threshold": round(t, 4),
            "validation_precision": round(precision, 4), "validation_recall": round(recall, 4),
        }
    meta = {
        "encoder": encoder.name,
        "rows": len(rows),
        "validation_rows": int(val.sum()),
        "target_precision": target,
        "c": c,
        "linear_c": LIN_C,
        "blend": BLEND,
        "data_sha1": hashlib.sha1("\n".join(sorted(r["norm"] for r in rows)).encode("utf-8")).hexdigest(),
        "encode_seconds": round(encoded, 1),
        "report": report,
    }
    if onto is not None and names != HEADS:
        meta.update(trained_heads=list(names), spliced_onto=onto.meta.get("data_sha1"))
    return dataclasses.replace(heads, thresholds=np.array(thresholds, dtype=np.float32), meta=meta)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m coach.rules.semantic.train", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of training *.jsonl files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output stem (writes STEM.npz and STEM.json)")
    ap.add_argument("--target-precision", type=float, default=TARGET_PRECISION)
    ap.add_argument("--c", type=float, default=C, help="the SVMs' C")
    ap.add_argument("--points", type=Path, default=DEFAULT_POINTS, help="YAML of thresholds set on the dev round")
    ap.add_argument("--only", nargs="+", choices=HEADS, default=(),
                    help="train only these heads and splice them into --onto, the others kept as they are")
    ap.add_argument("--onto", type=Path, default=DEFAULT_OUT, help="the heads --only splices into (STEM.npz/.json)")
    args = ap.parse_args(argv)
    points = yaml.safe_load(args.points.read_text(encoding="utf-8")) if args.points.exists() else None
    onto = load_heads(args.onto) if args.only else None
    heads = train(args.data, UseEncoder(), args.target_precision, args.c, points, args.only, onto)
    heads.save(args.out)
    json.dump(heads.meta["report"], sys.stdout, indent=2)
    print(f"\nwrote {args.out.with_suffix('.npz')} ({heads.meta['rows']} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
