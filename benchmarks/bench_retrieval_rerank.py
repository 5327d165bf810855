"""Re-orderings of the hybrid ranking's top 20, measured by cross-validation over the tune sets.

    python benchmarks/bench_retrieval_rerank.py [--late]

Reads only the tune sets (tests/data/retrieval/labelled.yaml, heldout.yaml,
corpus_sop_queries.yaml split in halves, blind_q1.yaml, blind_q2.yaml; never the unmeasured
round), in eight groups: labelled, heldout, sop-tune, sop-report, q1-bundled, q1-sop, q2-bundled,
q2-sop. For each query it keeps every passage's BM25 score (the shipped expansion), e5 and USE
cosines, e5 without the "query: " prefix, and the best e5 / USE cosine over the passage's windows
of two sentences; then prints hit@3 per group for:
- fixed variants (no training): z-scores before fusion, reciprocal-rank fusion, the e5 query
  without its prefix, the top 5 re-ordered by the sentence windows' max-sim;
- a learned ranker (logistic regression, pointwise or pairwise, numpy Newton steps) over features
  of the top-20 candidates, evaluated leave-one-group-out with its L2 chosen by an inner
  leave-one-group-out on the training groups only (nested): each group's number comes from a model
  that never saw it. "+a/-b" counts the group's queries gained and lost against the shipped order.
--late adds e5's token-level late interaction (ColBERT-style: each query token's best cosine over
the passage's tokens, averaged, plain or IDF-weighted, from the float numpy pass: about 2.5 more
minutes), added to the e5 side at weight a; a is picked by the same nested leave-one-group-out.
The shipped order is recomputed from the same arrays (identical top 3 to KnowledgeBase.search).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge.chunk import heading_of  # noqa: E402
from coach.knowledge.encoders import e5  # noqa: E402
from coach.knowledge.evaluate import is_hit, load_labelled, sop_half  # noqa: E402
from coach.knowledge.query import term_weights  # noqa: E402
from coach.knowledge.vectors import E5_DIM, _use_vectors, clip_query, embed_queries  # noqa: E402
from coach.text import to_simplified  # noqa: E402

DATA = ROOT / "tests" / "data" / "retrieval"
GROUPS = ("labelled", "heldout", "sop-tune", "sop-report", "q1-bundled", "q1-sop", "q2-bundled", "q2-sop")
TOP = 20
_SENT = re.compile(r"(?<=[。！？!?；;\n])")


def tune_queries() -> list[dict]:
    out = []
    for name in ("labelled", "heldout"):
        out += [dict(corpus="bundled", group=name, lang=it.lang, text=it.q, phrases=it.expect, document=None)
                for it in load_labelled(DATA / f"{name}.yaml")]
    for q in yaml.safe_load((DATA / "corpus_sop_queries.yaml").read_text(encoding="utf-8"))["queries"]:
        out.append(dict(corpus="sop", group=f"sop-{sop_half(q['id'])}", lang=q["lang"], text=q["query"],
                        phrases=q["phrases"], document=q["document"]))
    for r in ("q1", "q2"):
        for q in yaml.safe_load((DATA / f"blind_{r}.yaml").read_text(encoding="utf-8"))["queries"]:
            out.append(dict(corpus=q["corpus"], group=f"{r}-{q['corpus']}", lang=q["lang"], text=q["query"],
                            phrases=q["phrases"], document=q["document"]))
    return out


def _unit_norm(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-9)


def windows(text: str, n: int = 2) -> list[str]:
    parts = [s.strip() for s in _SENT.split(to_simplified(text)) if len(s.strip()) >= 4]
    return ["".join(parts[i:i + n]) for i in range(max(len(parts) - n + 1, 1))] if parts else [to_simplified(text)]


def collect(cache: Path) -> tuple[list[dict], dict]:
    """Every tune query with its per-passage arrays; per corpus its passages' attributes."""
    queries, corpora = tune_queries(), {}
    for corpus in ("bundled", "sop"):
        extra = {"COACH_GUIDELINES_DIR": str(DATA / "corpus_sop")} if corpus == "sop" else {}
        kb = load_knowledge_base(Settings(_env_file=None, COACH_CACHE_DIR=str(cache / corpus), **extra))  # type: ignore[call-arg]
        kb.wait_for_vectors()
        cols, m = kb.columns, kb.dense.matrix
        owner, wins = zip(*[(i, w) for i, t in enumerate(cols.text) for w in windows(t)])
        we5, wuse = _unit_norm(e5.encode_passages(list(wins))), _unit_norm(_use_vectors(list(wins)))
        sizes = Counter(cols.source)
        corpora[corpus] = dict(lexw=kb.lexical_weight, n=len(cols), heads=[heading_of(t) for t in cols.title],
                               texts=cols.text, length=np.array([len(t) for t in cols.text], dtype=float),
                               rel_pos=np.array([p / sizes[s] for p, s in zip(cols.position, cols.source)]))
        for q in (q for q in queries if q["corpus"] == corpus):
            t = q["text"]
            v = embed_queries([t])[0]
            bare = e5.model().embed([to_simplified(clip_query(t))], "")[0]
            q["e5"], q["use"] = m[:, :E5_DIM] @ _unit_norm(v[:E5_DIM]), m[:, E5_DIM:] @ _unit_norm(v[E5_DIM:])
            q["e5_bare"] = m[:, :E5_DIM] @ _unit_norm(bare)
            for key, block, part in (("win_e5", we5, v[:E5_DIM]), ("win_use", wuse, v[E5_DIM:])):
                best = np.full(len(cols), -1.0)
                np.maximum.at(best, np.array(owner), block @ _unit_norm(part))
                q[key] = best
            full = kb.bm25.scores(kb._weights(t))
            own = kb.bm25.scores(kb.glossary.expand(term_weights(t), t))  # without the term bridge
            q["lex"] = np.zeros(len(cols)) if full is None else full
            q["lex_nobridge"] = np.zeros(len(cols)) if own is None else own
            q["label"] = np.array([(q["document"] is None or cols.source[i] == q["document"])
                                   and is_hit([cols.passage(i)], q["phrases"]) for i in range(len(cols))])
    return queries, corpora


# -- scores -----------------------------------------------------------------------------------
def z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def _unit(v: np.ndarray, floor: float) -> np.ndarray:
    top = v.max()
    return np.zeros_like(v) if top <= floor else np.clip((v - floor) / (top - floor), 0, 1)


def shipped(q: dict, corpora: dict, e5_key: str = "e5") -> np.ndarray:
    w, sem, lex = corpora[q["corpus"]]["lexw"], z(q[e5_key]) + 0.5 * z(q["use"]), q["lex"]
    if lex.max() <= 0:
        return sem - sem.min() + 1e-3
    return w * _unit(lex, 0) + (1 - w) * _unit(sem, float(np.median(sem)))


def ranks(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x))
    r[np.argsort(-x, kind="stable")] = np.arange(len(x))
    return r


def zscore_fusion(q: dict, corpora: dict) -> np.ndarray:
    w, sem = corpora[q["corpus"]]["lexw"], z(z(q["e5"]) + 0.5 * z(q["use"]))
    return sem if q["lex"].max() <= 0 else w * z(q["lex"]) + (1 - w) * sem


def rrf(q: dict, corpora: dict, k: float = 5.0) -> np.ndarray:
    s = 1 / (k + ranks(q["e5"])) + 0.5 / (k + ranks(q["use"]))
    return s + 1 / (k + ranks(q["lex"])) if q["lex"].max() > 0 else s


def maxsim_top5(q: dict, corpora: dict, scale: float = 0.05) -> np.ndarray:
    base = shipped(q, corpora)
    top = np.argsort(-base, kind="stable")[:5]
    s, ms = base.copy(), z(q["win_e5"][top]) + z(q["win_use"][top])
    s[top] = 10 + base[top] / max(base[top].max(), 1e-9) + scale * ms
    return s


# -- the learned ranker ------------------------------------------------------------------------
def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\W_]+", "", to_simplified(s))
    return {s[i:i + 2] for i in range(len(s) - 1)}


def features(q: dict, corpora: dict, extra: bool) -> tuple[np.ndarray, np.ndarray]:
    """The top-20 candidates of the shipped order and one feature row each."""
    c = corpora[q["corpus"]]
    base = shipped(q, corpora)
    order = np.argsort(-base, kind="stable")[:TOP]
    lex, lmax = q["lex"], max(float(q["lex"].max()), 1e-9)
    e5z, usez, qb, en = z(q["e5"]), z(q["use"]), _bigrams(q["text"]), float(q["lang"] == "en")
    rl, re5, ruse = ranks(lex), ranks(q["e5"]), ranks(q["use"])
    rows = []
    for r, i in enumerate(order):
        f = [base[i] / max(float(base.max()), 1e-9), np.log1p(r), lex[i] / lmax, np.log1p(rl[i]),
             (lex[i] - q["lex_nobridge"][i]) / lmax, e5z[i], np.log1p(re5[i]), usez[i], np.log1p(ruse[i]),
             len(qb & _bigrams(c["heads"][i])) / (len(qb) + 1), len(qb & _bigrams(c["texts"][i])) / (len(qb) + 1),
             np.log(c["length"][i] + 1) - 5, c["rel_pos"][i], float(lex.max() <= 0)]
        if extra:
            f += [z(q["win_e5"])[i], z(q["win_use"])[i], z(q["e5_bare"])[i]]
        rows.append(f + [x * en for x in f[:9]])
    return order, np.array(rows)


def fit(items: list, l2: float, pairwise: bool) -> tuple:
    x = np.vstack([it[1] for it in items])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    if pairwise:
        diffs = [((f - mu) / sd)[a] - ((f - mu) / sd)[b] for _, f, y, _ in items
                 for a in np.where(y)[0] for b in np.where(~y)[0]]
        a = np.vstack(diffs + [-d for d in diffs])
        t = np.r_[np.ones(len(diffs)), np.zeros(len(diffs))]
    else:
        a, t = (x - mu) / sd, np.concatenate([it[2] for it in items]).astype(float)
    a = np.c_[a, np.ones(len(a))] if not pairwise else a
    w = np.zeros(a.shape[1])
    reg = l2 * np.eye(len(w))
    for _ in range(25):  # Newton steps of L2 logistic regression
        p = 1 / (1 + np.exp(-(a @ w)))
        h = (a * (p * (1 - p))[:, None]).T @ a + reg
        w -= np.linalg.solve(h, a.T @ (p - t) + reg @ w)
    return mu, sd, w[: x.shape[1]]


def hits(items: list, model: tuple) -> list[bool]:
    mu, sd, w = model
    return [bool(y[np.argsort(-(((f - mu) / sd) @ w), kind="stable")[:3]].any()) for _, f, y, _ in items]


def nested(items: list, pairwise: bool) -> dict[str, list[bool]]:
    out = {}
    for g in GROUPS:
        train = [it for it in items if it[3] != g]
        inner = {l2: np.mean([h for g2 in GROUPS if g2 != g
                              for h in hits([it for it in train if it[3] == g2],
                                            fit([it for it in train if it[3] != g2], l2, pairwise))])
                 for l2 in (1.0, 10.0, 100.0, 1000.0)}
        out[g] = hits([it for it in items if it[3] == g], fit(train, max(inner, key=inner.get), pairwise))
    return out


def pick_nested(sweep: dict) -> dict[str, list[bool]]:
    """Each group ranked by the setting that did best on the other groups."""
    out = {}
    for g in GROUPS:
        best = max(sweep, key=lambda k: sum(sum(sweep[k][g2]) for g2 in GROUPS if g2 != g))
        out[g] = sweep[best][g]
    return out


def report(name: str, got: dict[str, list[bool]], base: dict[str, list[bool]] | None = None) -> None:
    cells = []
    for g in GROUPS:
        cell = f"{g} {np.mean(got[g]):.3f}"
        if base is not None:
            gain = sum(n and not o for n, o in zip(got[g], base[g]))
            cell += f" (+{gain}/-{sum(o and not n for n, o in zip(got[g], base[g]))})"
        cells.append(cell)
    print(f"{name:24s} " + ", ".join(cells))


def late_interaction(queries: list[dict], corpora: dict) -> None:
    """q["late"], q["late_idf"]: per passage, the mean over the query's tokens of their best cosine
    to the passage's tokens (e5's final hidden states; prefix and special tokens left out)."""
    from coach.knowledge.encoders.e5_file import shipped_weights
    from coach.knowledge.encoders.e5_numpy import NumpyE5

    m = NumpyE5(shipped_weights())

    def states(text: str, prefix: str) -> tuple[np.ndarray, list[int]]:
        skip = len(m.tokenizer.encode(prefix))
        rows = [r for r in m.token_inputs(text, prefix)]
        xs = [m.hidden([r])[0][0][1 + skip:-1] for r in rows]
        return _unit_norm(np.concatenate(xs)), [t for r in rows for t in r[1 + skip:-1]]

    for name, c in corpora.items():
        tokens = [states(to_simplified(f"{h}\n{t}"), "passage: ") for h, t in zip(c["heads"], c["texts"])]
        df = Counter(t for _, ids in tokens for t in set(ids))
        for q in (q for q in queries if q["corpus"] == name):
            x, ids = states(to_simplified(clip_query(q["text"])), "query: ")
            idf = np.log1p([(len(tokens) - df[t] + 0.5) / (df[t] + 0.5) for t in ids]) + 0.1
            best = np.array([(x @ px.T).max(1) for px, _ in tokens])  # (passages, query tokens)
            q["late"], q["late_idf"] = best.mean(1), (best * idf).sum(1) / idf.sum()


def with_late(key: str, a: float):  # noqa: ANN201
    def score(q: dict, corpora: dict) -> np.ndarray:
        return shipped(dict(q, e5=z(q["e5"]) + a * z(q[key])), corpora)
    return score


def main() -> int:
    late = "--late" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="coach-rerank-") as cache:
        queries, corpora = collect(Path(cache))
    if late:
        late_interaction(queries, corpora)

    def by_group(score) -> dict[str, list[bool]]:  # noqa: ANN001
        out: dict[str, list[bool]] = {g: [] for g in GROUPS}
        for q in queries:
            out[q["group"]].append(bool(q["label"][np.argsort(-score(q, corpora), kind="stable")[:3]].any()))
        return out

    base = by_group(shipped)
    report("shipped", base)
    report("e5 without query prefix", by_group(lambda q, c: shipped(q, c, "e5_bare")), base)
    report("z-scores before fusion", by_group(zscore_fusion), base)
    for k in (1.0, 5.0, 60.0):
        report(f"RRF k={k:g}", by_group(lambda q, c, k=k: rrf(q, c, k)), base)
    report("top 5 by window max-sim", by_group(maxsim_top5), base)
    if late:
        for key in ("late", "late_idf"):
            sweep = {a: by_group(with_late(key, a)) for a in (0.5, 1.0, 2.0)}
            for a, got in sweep.items():
                report(f"+{key} a={a:g}", got, base)
            report(f"+{key}, a nested", pick_nested(sweep), base)
    for extra in (False, True):
        items = []
        for q in queries:
            order, f = features(q, corpora, extra)
            items.append((order, f, q["label"][order], q["group"]))
        for pairwise in (False, True):
            name = f"LR {'pairwise' if pairwise else 'pointwise'}{' +windows' if extra else ''}"
            report(name, nested(items, pairwise), base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
