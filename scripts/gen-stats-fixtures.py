#!/usr/bin/env python3
"""Generate test/fixtures/stats.json: reference values for src/analysis/{normal,theil-sen,mann-kendall,
steady-window}.ts.

References come from SciPy (stats.norm, stats.theilslopes, stats.kendalltau, stats.linregress). Grouped
Theil-Sen, Mann-Kendall S and the Hamed-Rao correction are computed here in plain numpy by brute force (all
O(n^2) pairs, direct autocorrelation sums), independently of the O(n log n) TypeScript. The steady-start index is
found by brute force too: one scipy.stats.linregress per candidate start, independently of the O(n) suffix sums
of the TypeScript.

Deterministic: every random series comes from numpy.random.default_rng with a fixed seed. Values are written
as full doubles (json writes repr(float), which round-trips exactly).

Usage: python3 scripts/gen-stats-fixtures.py   (run from anywhere; writes relative to the repo root)
"""

import json
import math
import os

import numpy as np
import scipy
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "stats.json")


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# --------------------------------------------------------------------------------------------------------
# Normal distribution (scipy.stats.norm)

PROBS = [0.001, 0.01, 0.2, 0.5, 0.8, 0.95, 0.975, 0.995, 0.999]


def normal_cases():
    z_values = [-30.0, -8.0, -3.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.0, 5.0]
    norm_cdf = [{"z": z, "expected": float(stats.norm.cdf(z))} for z in z_values]
    norm_probs = [1e-300, 1e-12, 1e-5] + PROBS + [1 - 1e-9]
    norm_ppf = [{"p": p, "expected": float(stats.norm.ppf(p))} for p in norm_probs]
    return {"normCdf": norm_cdf, "normPpf": norm_ppf}


def ar1(rng, n, phi, sd):
    e = np.empty(n)
    e[0] = rng.normal(0.0, sd / math.sqrt(1 - phi * phi))
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal(0.0, sd)
    return e


# --------------------------------------------------------------------------------------------------------
# Theil-Sen (scipy.stats.theilslopes, method='separate') and the grouped variant


def theilslopes_cases():
    cases = []

    def add(name, x, y, confidence=0.95):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        with np.errstate(invalid="ignore"):
            res = stats.theilslopes(y, x, confidence, method="separate")
        cases.append(
            {
                "name": name,
                "confidence": confidence,
                "x": floats(x),
                "y": floats(y),
                "expected": {
                    "slope": float(res.slope),
                    "intercept": float(res.intercept),
                    # null when scipy gives NaN (its variance of S is negative under heavy ties)
                    "low": None if math.isnan(res.low_slope) else float(res.low_slope),
                    "high": None if math.isnan(res.high_slope) else float(res.high_slope),
                },
            }
        )

    # Small hand-made data (textbook size): one outlier that least squares would follow.
    add("small, one outlier", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 13.8, 30.0, 18.1, 19.9])
    add("small, 90 % interval", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 13.8, 30.0, 18.1, 19.9], 0.9)
    add("three points", [0, 1, 3], [5, 4, 9])
    # Ties in x (pairs with equal x are excluded) and in y (Sen's correction of the variance).
    add(
        "ties in x and y",
        [0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7, 8, 8, 9],
        [3, 4, 4, 5, 5, 7, 6, 6, 8, 9, 9, 9, 11, 10, 12],
    )
    add("unsorted x", [5, 1, 4, 2, 8, 7, 3, 6], [10, 3, 9, 4, 15, 16, 5, 12])
    # Heavy ties in both: Sen's variance is negative and scipy returns NaN bounds.
    add("ties make the variance negative", [0, 0, 1, 1], [0, 0, 0, 0])
    rng = np.random.default_rng(201)
    x = np.arange(50.0)
    add("n=50 noisy linear", x, 3.0 + 0.4 * x + rng.normal(0.0, 2.0, 50))
    rng = np.random.default_rng(202)
    t = np.arange(2000.0)
    add("n=2000 heap bytes, AR(1) noise", t, np.round(6.0e7 + 150.0 * t + ar1(rng, t.size, 0.8, 2.0e5)))
    add("flat series", np.arange(30.0), np.full(30, 4.5e7))
    add("step", np.arange(40.0), np.where(np.arange(40) < 25, 5.0e7, 5.4e7))
    # Bytes quantized to 4 KiB pages with integer seconds: many pairs share one non-representable slope.
    rng = np.random.default_rng(203)
    t = np.arange(0.0, 600.0, 2.0)
    add("4 KiB pages, many tied slopes", t, 4096.0 * np.round(1.2e4 + 0.05 * t + rng.normal(0.0, 1.5, t.size)))
    return cases


def sen_variance(x, y):
    """scipy.stats.theilslopes' sigsq (Sen 1968, eq. 2.6), same operations."""
    n = len(y)

    def reps(a):
        _, counts = np.unique(np.asarray(a, dtype=float), return_counts=True)
        return counts[counts > 1]

    return 1 / 18.0 * (
        n * (n - 1) * (2 * n + 5)
        - sum(int(k) * (int(k) - 1) * (2 * int(k) + 5) for k in reps(x))
        - sum(int(k) * (int(k) - 1) * (2 * int(k) + 5) for k in reps(y))
    )


def within_group_slopes(groups):
    out = []
    for x, y in groups:
        dx = x[:, np.newaxis] - x
        dy = y[:, np.newaxis] - y
        out.append(dy[dx > 0] / dx[dx > 0])
    return np.sort(np.concatenate(out))


def grouped_theil_sen_reference(groups, inflation, confidence=0.95):
    """Brute force over within-group pairs; variance of S summed over groups (Hirsch, Slack & Smith 1982)."""
    slopes = within_group_slopes(groups)
    nt = len(slopes)
    med = float(np.median(slopes))
    sigsq = sum(sen_variance(x, y) * f for (x, y), f in zip(groups, inflation))
    z = stats.norm.ppf((1.0 - confidence) / 2.0)
    sigma = np.sqrt(sigsq)
    ru = min(int(np.round((nt - z * sigma) / 2.0)), nt - 1)
    rl = max(int(np.round((nt + z * sigma) / 2.0)) - 1, 0)
    return {
        "slope": med,
        "low": float(slopes[rl]),
        "high": float(slopes[ru]),
        "lowRank": rl,
        "highRank": ru,
        "pairs": nt,
        "varianceS": float(sigsq),
        "intercepts": [float(np.median(y) - med * np.median(x)) for x, y in groups],
    }


def theil_sen_grouped_cases():
    cases = []

    def add(name, groups, inflation=None):
        groups = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in groups]
        factors = [1.0] * len(groups) if inflation is None else inflation
        case = {
            "name": name,
            "groups": [{"t": floats(x), "y": floats(y)} for x, y in groups],
            "expected": grouped_theil_sen_reference(groups, factors),
        }
        if inflation is not None:
            case["varianceInflation"] = inflation
        cases.append(case)

    # Respawned worker: each lifetime restarts lower; pairs across groups would pull the slope down.
    rng = np.random.default_rng(301)
    groups = []
    for k, (start, length, base) in enumerate([(0, 120, 6.0e7), (120, 90, 5.0e7), (210, 150, 4.0e7)]):
        t = start + np.arange(length, dtype=float)
        groups.append((t, np.round(base + 2000.0 * (t - start) + rng.normal(0.0, 3.0e4, length))))
    add("three lifetimes of one worker", groups)
    add("three lifetimes, Hamed-Rao inflation per group", groups, [1.7, 2.5, 1.0])
    # Several workers over the same seconds (ties in t across groups are not ties within a group).
    rng = np.random.default_rng(302)
    t = np.arange(0.0, 400.0)
    groups = [(t, np.round(base + 500.0 * t + ar1(rng, t.size, 0.6, 4.0e4))) for base in (3.0e7, 3.3e7, 2.8e7, 3.1e7)]
    add("four workers pooled, same times", groups)
    add("four workers pooled, inflation 3", groups, [3.0, 3.0, 3.0, 3.0])
    # Groups with ties and a two-point group.
    add(
        "ties within groups, a short group",
        [
            ([0, 1, 1, 2, 3, 3, 4], [5, 5, 6, 6, 8, 7, 9]),
            ([10, 11], [3, 1]),
            ([20, 21, 22, 23, 24, 25], [1, 1, 1, 2, 2, 2]),
        ],
    )
    return cases


# --------------------------------------------------------------------------------------------------------
# Mann-Kendall S and Var(S); Hamed-Rao correction


def mk_s(x, y):
    """S = sum over pairs with x_i < x_j of sign(y_j - y_i), by brute force."""
    dx = x[:, np.newaxis] - x
    dy = y[:, np.newaxis] - y
    return int(np.sign(dy[dx > 0]).sum())


def kendall_variance(x, y):
    """Var(S) with ties in x and y as in scipy.stats.kendalltau (asymptotic method), written out."""
    n = len(x)

    def sums(a):
        _, c = np.unique(a, return_counts=True)
        c = c[c > 1].astype(float)
        return (c * (c - 1) / 2).sum(), (c * (c - 1) * (c - 2)).sum(), (c * (c - 1) * (2 * c + 5)).sum()

    xt, x0, x1 = sums(x)
    yt, y0, y1 = sums(y)
    m = n * (n - 1.0)
    return float((m * (2 * n + 5) - x1 - y1) / 18 + (2 * xt * yt) / m + (x0 * y0 / (9 * m * (n - 2)) if n > 2 else 0.0))


def kendall_cases():
    cases = []

    def add(name, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        kt = stats.kendalltau(x, y, method="asymptotic")
        cases.append(
            {
                "name": name,
                "t": floats(x),
                "y": floats(y),
                "expected": {
                    "s": mk_s(x, y),
                    "varS": kendall_variance(x, y),
                    "kendalltauTauB": float(kt.statistic),
                    "kendalltauP": float(kt.pvalue),
                },
            }
        )

    rng = np.random.default_rng(401)
    add("no ties, n=60", np.arange(60.0), 0.05 * np.arange(60.0) + rng.normal(0.0, 1.0, 60))
    rng = np.random.default_rng(402)
    add("ties in y, n=80", np.arange(80.0), np.round(rng.normal(0.0, 1.5, 80) + 0.02 * np.arange(80)))
    rng = np.random.default_rng(403)
    add("ties in t and y, n=70", np.sort(rng.integers(0, 25, 70)).astype(float), rng.integers(0, 6, 70).astype(float))
    rng = np.random.default_rng(404)
    t = np.arange(1500.0)
    add("n=1500 heap bytes, AR(1)", t, np.round(8.0e7 + 20.0 * t + ar1(rng, t.size, 0.9, 1.0e5)))
    return cases


def ranks_acf(ranks):
    """Autocorrelation at lags 0..n-1 by direct sums (np.correlate), normalized by lag 0 (biased estimator)."""
    v = ranks - ranks.mean()
    acov = np.correlate(v, v, "full")[len(v) - 1 :]
    return acov / acov[0]


def hamed_rao_reference(groups, detrend_slope=None):
    """Hamed & Rao (1998) as in pyMannKendall's hamed_rao_modification_test (Hussain & Mahmud 2019), per group,
    pooled over groups by summing S and variances; the factor applied is clamped to >= 1.

    Per group: detrend y - slope*t with the pooled Theil-Sen slope (times instead of pyMannKendall's 1..n; the
    same for 1 s spacing up to a constant), rank with scipy.stats.rankdata (average), autocorrelation of the ranks
    by direct sums, keep lags 1..n-1 with |r_k| > norm.ppf(0.975)/sqrt(n),
    n/n* = 1 + 2/(n(n-1)(n-2)) * sum (n-k)(n-k-1)(n-k-2) r_k.
    """
    if detrend_slope is None:
        detrend_slope = float(np.median(within_group_slopes(groups)))
    out_groups = []
    for x, y in groups:
        n = len(x)
        s = mk_s(x, y)
        var_s = kendall_variance(x, y)
        order = np.argsort(x, kind="stable")
        resid = y[order] - detrend_slope * x[order]
        with np.errstate(invalid="ignore"):
            r = ranks_acf(stats.rankdata(resid))
        bound = stats.norm.ppf(1 - 0.05 / 2) / np.sqrt(n)
        total = 0.0
        for k in range(1, n):
            if abs(r[k]) > bound:
                total += (n - k) * (n - k - 1) * (n - k - 2) * r[k]
        factor = 1 + 2 / (n * (n - 1) * (n - 2)) * total if n >= 3 else 1.0  # undefined below 3 points
        out_groups.append(
            {"n": n, "s": s, "varS": var_s, "hamedRaoFactor": float(factor), "varSCorrected": var_s * max(1.0, factor)}
        )
    s = sum(g["s"] for g in out_groups)
    var_c = sum(g["varSCorrected"] for g in out_groups)
    sigma = math.sqrt(var_c)
    z = (s - 1) / sigma if s > 0 else (s + 1) / sigma if s < 0 else 0.0
    pairs = sum(int((x[:, np.newaxis] - x > 0).sum()) for x, _ in groups)
    return {
        "detrendSlope": detrend_slope,
        "s": s,
        "pairs": pairs,
        "tau": s / pairs,
        "varS": sum(g["varS"] for g in out_groups),
        "varSCorrected": var_c,
        "z": z,
        "pIncreasing": float(stats.norm.sf(z)),
        "pTwoSided": float(2 * stats.norm.sf(abs(z))),
        "groups": out_groups,
    }


def hamed_rao_cases():
    cases = []

    def add(name, groups):
        groups = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in groups]
        cases.append(
            {
                "name": name,
                "groups": [{"t": floats(x), "y": floats(y)} for x, y in groups],
                "expected": hamed_rao_reference(groups),
            }
        )

    rng = np.random.default_rng(501)
    t = np.arange(1200.0)
    add("AR(1) phi=0.8 with trend", [(t, np.round(5.0e7 + 40.0 * t + ar1(rng, t.size, 0.8, 1.0e5)))])
    rng = np.random.default_rng(502)
    add("AR(1) phi=0.8, no trend", [(t, np.round(5.0e7 + ar1(rng, t.size, 0.8, 1.0e5)))])
    rng = np.random.default_rng(503)
    t = np.arange(500.0)
    add("white noise with trend", [(t, np.round(2.0e7 + 100.0 * t + rng.normal(0.0, 3.0e4, t.size)))])
    rng = np.random.default_rng(504)
    add("negative autocorrelation (factor clamped)", [(t, np.round(2.0e7 + ar1(rng, t.size, -0.6, 3.0e4)))])
    rng = np.random.default_rng(505)
    groups = []
    for start, length, base in [(0, 400, 6.0e7), (400, 250, 5.5e7), (650, 2, 5.0e7), (652, 300, 5.2e7)]:
        tg = start + np.arange(length, dtype=float)
        groups.append((tg, np.round(base + 60.0 * (tg - start) + ar1(rng, length, 0.7, 8.0e4))))
    add("four lifetimes pooled, AR(1) phi=0.7", groups)
    return cases


# --------------------------------------------------------------------------------------------------------
# Steady start (warm-up truncation): the candidate start that minimises the squared standard error of the
# least-squares slope of the points from it on


def steady_start_reference(t, y, earliest, max_cut_share, min_points):
    """Brute force over every candidate start d: stats.linregress(t[d:], y[d:]).stderr ** 2, argmin (the first on
    ties). Candidates run from `earliest` to min(earliest + floor((n - earliest) * max_cut_share), n - min_points)."""
    n = len(t)
    earliest = max(0, earliest)
    last = min(earliest + math.floor((n - earliest) * max_cut_share), n - min_points)
    assert last > earliest and n - last >= 3, "fixture must have more than one candidate, each with >= 3 points"
    scores = np.array([stats.linregress(t[d:], y[d:]).stderr ** 2 for d in range(earliest, last + 1)])
    best = int(np.argmin(scores))  # first occurrence of the minimum
    # Keep the fixture unambiguous: the runner-up must be clearly worse than floating-point noise.
    runner_up = np.min(np.delete(scores, best))
    assert (runner_up - scores[best]) > 1e-6 * scores[best], "ambiguous steady-start fixture"
    return {
        "index": earliest + best,
        "lastCandidate": last,
        "stderr2AtIndex": float(scores[best]),
        "stderr2AtEarliest": float(scores[0]),
    }


def jittered_times(rng, n, dt, start=0.0, decimals=3):
    """Sample times with intervals uniform in [0.7, 1.3]*dt, rounded to `decimals` (non-integer seconds)."""
    return np.round(start + np.cumsum(rng.uniform(0.7 * dt, 1.3 * dt, n)), decimals)


def steady_start_cases():
    cases = []

    def add(name, t, y, earliest, max_cut_share, min_points):
        t = np.asarray(t, dtype=float)
        y = np.asarray(y, dtype=float)
        options = {"earliest": earliest, "maxCutShare": max_cut_share, "minPoints": min_points}
        cases.append(
            {
                "name": name,
                "options": options,
                "t": floats(t),
                "y": floats(y),
                "expected": steady_start_reference(t, y, earliest, max_cut_share, min_points),
            }
        )

    # Saturating warm-up (time constant 40 s, +25 MB) then a 800 B/s line with noise.
    rng = np.random.default_rng(601)
    n = 300
    t = jittered_times(rng, n, 2.0)
    y = np.round(6.0e7 + 2.5e7 * (1 - np.exp(-t / 40.0)) + 800.0 * t + rng.normal(0.0, 1.5e5, n))
    add("saturating warm-up then line, n=300", t, y, 0, 0.5, 30)

    # A line with noise and nothing to cut.
    rng = np.random.default_rng(602)
    n = 200
    t = jittered_times(rng, n, 0.5, start=10.0, decimals=4)
    y = np.round(8.0e7 + 300.0 * t + rng.normal(0.0, 2.0e4, n))
    add("pure line with noise, n=200", t, y, 0, 0.5, 20)

    # A +3 MB step at index 12, then a line with noise.
    rng = np.random.default_rng(603)
    n = 120
    t = jittered_times(rng, n, 1.5)
    y = np.round(4.0e7 + np.where(np.arange(n) >= 12, 3.0e6, 0.0) + 1000.0 * t + rng.normal(0.0, 1.0e5, n))
    add("step early in the series, n=120", t, y, 0, 0.5, 20)

    # Decaying warm-up, a recorded warm-up of 5 points (earliest = 5), a tighter cut limit.
    rng = np.random.default_rng(604)
    n = 60
    t = jittered_times(rng, n, 5.0, decimals=2)
    y = np.round(3.0e7 + 2.0e6 * np.exp(-t / 30.0) + 50.0 * t + rng.normal(0.0, 2.0e4, n))
    add("decaying warm-up after a recorded warm-up, n=60", t, y, 5, 0.4, 12)

    # Curved all along (quadratic): every cut helps, so the cut limit decides.
    rng = np.random.default_rng(605)
    n = 400
    t = jittered_times(rng, n, 1.0)
    y = np.round(5.0e7 + 0.5 * t * t + rng.normal(0.0, 1.0e3, n))
    add("curved throughout, cut limit binds, n=400", t, y, 10, 0.25, 50)

    return cases


def to_json(value, indent=0):
    """JSON with nested objects indented but arrays of numbers/strings kept on one line (smaller diffs)."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {to_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [pad + to_json(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


def main():
    data = {
        "generator": "scripts/gen-stats-fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
        **normal_cases(),
        "theilslopes": theilslopes_cases(),
        "theilSenGrouped": theil_sen_grouped_cases(),
        "kendall": kendall_cases(),
        "hamedRao": hamed_rao_cases(),
        "steadyStart": steady_start_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(to_json(data))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
