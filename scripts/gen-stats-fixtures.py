#!/usr/bin/env python3
"""Generate test/fixtures/stats.json: reference values for src/analysis/{student-t,regression}.ts.

References come from SciPy (stats.linregress, stats.t, stats.norm, special.betainc, special.gammaln) and,
for the common-slope (segmented) fit, from statsmodels OLS when it is installed, else from an explicit
least-squares solve (QR) of a design matrix with one dummy column per segment.

Deterministic: every random series comes from numpy.random.default_rng with a fixed seed. Values are written
as full doubles (json writes repr(float), which round-trips exactly).

Usage: python3 scripts/gen-stats-fixtures.py   (run from anywhere; writes relative to the repo root)
"""

import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats

try:  # optional
    import statsmodels.api as sm  # type: ignore
except ImportError:  # pragma: no cover - depends on the machine
    sm = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "stats.json")
MAX_LAG1 = 0.95


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# --------------------------------------------------------------------------------------------------------
# Ordinary least squares (scipy.stats.linregress)


def linregress_cases():
    cases = []

    def add(name, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        res = stats.linregress(x, y)
        cases.append(
            {
                "name": name,
                "x": floats(x),
                "y": floats(y),
                "expected": {
                    "slope": float(res.slope),
                    "intercept": float(res.intercept),
                    "rvalue": float(res.rvalue),
                    "stderr": float(res.stderr),
                },
            }
        )

    rng = np.random.default_rng(1)
    x = np.arange(50.0)
    add("pure noise, n=50", x, rng.normal(0.0, 1.0, 50))

    rng = np.random.default_rng(2)
    x = np.arange(100.0)
    add("linear trend + noise, n=100", x, 3.0 + 0.25 * x + rng.normal(0.0, 2.0, 100))

    rng = np.random.default_rng(3)
    x = np.arange(80.0)
    add("negative slope", x, 40.0 - 0.7 * x + rng.normal(0.0, 3.0, 80))

    rng = np.random.default_rng(4)
    add("n=3", [0.0, 1.0, 2.0], rng.normal(5.0, 1.0, 3))

    rng = np.random.default_rng(5)
    x = np.arange(1000.0) * 0.5
    add("n=1000", x, -2.0 + 0.05 * x + rng.normal(0.0, 0.5, 1000))

    rng = np.random.default_rng(6)
    t = np.arange(0.0, 300.0)  # integer seconds
    y = np.round(1.0e8 + 2000.0 * t + rng.normal(0.0, 5.0e5, t.size))
    add("heap bytes ~1e8, slope 2000 B/s, integer seconds", t, y)

    rng = np.random.default_rng(7)
    t = np.arange(0.0, 3600.0, 10.0)
    y = np.round(5.0e7 + 10.0 * t + rng.normal(0.0, 1.0e6, t.size))
    add("heap bytes ~5e7, tiny slope 10 B/s under 1 MB noise", t, y)

    rng = np.random.default_rng(8)
    t = 1.7e9 + np.arange(0.0, 200.0)  # epoch seconds
    y = np.round(2.0e8 + 500.0 * (t - t[0]) + rng.normal(0.0, 2.0e5, t.size))
    add("epoch-second x offsets, heap ~2e8", t, y)

    rng = np.random.default_rng(9)
    t = np.sort(rng.uniform(0.0, 1000.0, 150))
    add("irregular sample times", t, 1.2e8 + 300.0 * t + rng.normal(0.0, 1.0e6, t.size))

    rng = np.random.default_rng(10)
    t = np.arange(0.0, 120.0)
    add("heap ~1e9 pure noise", t, np.round(1.0e9 + rng.normal(0.0, 3.0e6, t.size)))

    rng = np.random.default_rng(11)
    x = np.arange(20.0)
    add("strong trend, little noise", x, 7.0 + 1.5 * x + rng.normal(0.0, 0.05, 20))

    rng = np.random.default_rng(12)
    t = np.arange(0.0, 400.0, 2.0)
    add("integer-valued bytes, negative drift", t, np.round(3.0e8 - 800.0 * t + rng.normal(0.0, 4.0e5, t.size)))

    return cases


# --------------------------------------------------------------------------------------------------------
# Common-slope fit with one intercept per segment


def segmented_reference(x, y, seg):
    """Slope and classical standard error of y ~ x + C(segment) (no global intercept)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ids = list(dict.fromkeys(seg))  # order of first appearance
    # Shift x and y by constants first: this leaves the slope, residuals and standard error unchanged but
    # keeps the design matrix well conditioned for large offsets (heap bytes, epoch seconds).
    xs = x - x.mean()
    ys = y - y.mean()
    dummies = np.array([[1.0 if s == k else 0.0 for k in ids] for s in seg])
    design = np.column_stack([xs, dummies])
    n, p = design.shape
    if sm is not None:
        fit = sm.OLS(ys, design).fit()
        slope = float(fit.params[0])
        stderr = float(fit.bse[0])
        resid = np.asarray(fit.resid)
        method = "statsmodels.OLS"
    else:
        q, r = np.linalg.qr(design)
        beta = np.linalg.solve(r, q.T @ ys)
        resid = ys - design @ beta
        sigma2 = float(resid @ resid) / (n - p)
        r_inv = np.linalg.inv(r)
        cov = sigma2 * (r_inv @ r_inv.T)
        slope = float(beta[0])
        stderr = math.sqrt(cov[0, 0])
        method = "numpy QR least squares"
    # Lag-1 autocorrelation of residuals: each residual paired with the previous one of the same segment.
    last = {}
    lag = 0.0
    for e, s in zip(resid, seg):
        if s in last:
            lag += e * last[s]
        last[s] = e
    ssr = float(resid @ resid)
    r1 = lag / ssr if ssr > 0 else 0.0
    if r1 > 0:
        rc = min(r1, MAX_LAG1)
        eff_n = n * (1 - rc) / (1 + rc)
        adj = stderr * math.sqrt((1 + rc) / (1 - rc))
        df_eff = max(1.0, eff_n - len(ids) - 1)
    else:
        eff_n = float(n)
        adj = stderr
        df_eff = float(n - len(ids) - 1)
    t975 = float(stats.t.ppf(0.975, df_eff))
    return {
        "method": method,
        "slope": slope,
        "stderr": stderr,
        "df": n - len(ids) - 1,
        "segments": len(ids),
        "lag1": float(r1),
        "effectiveN": float(eff_n),
        "adjustedStdErr": float(adj),
        "interval95": [slope - t975 * adj, slope + t975 * adj],
        "oneSidedP": float(stats.t.sf(slope / adj, df_eff)),
        "minDetectableSlope": float((stats.t.ppf(0.975, df_eff) + stats.t.ppf(0.8, df_eff)) * adj),
    }


def ar1(rng, n, phi, sd):
    e = np.empty(n)
    e[0] = rng.normal(0.0, sd / math.sqrt(1 - phi * phi))
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal(0.0, sd)
    return e


def segmented_cases():
    cases = []

    def add(name, x, y, seg):
        cases.append(
            {
                "name": name,
                "x": floats(x),
                "y": floats(y),
                "segment": list(seg),
                "expected": segmented_reference(x, y, list(seg)),
            }
        )

    # Three worker lifetimes of different length, each restarting from its own baseline, shared slope.
    rng = np.random.default_rng(101)
    xs, ys, seg = [], [], []
    t0 = 0.0
    for k, (length, base) in enumerate([(120, 6.0e7), (80, 5.5e7), (150, 6.3e7)]):
        t = t0 + np.arange(length) * 2.0
        xs.append(t)
        ys.append(np.round(base + 1500.0 * (t - t0) + rng.normal(0.0, 4.0e5, length)))
        seg += [k] * length
        t0 = t[-1] + 2.0
    add("three respawned workers, heap bytes", np.concatenate(xs), np.concatenate(ys), seg)

    # One segment: must agree with linregress.
    rng = np.random.default_rng(102)
    t = np.arange(0.0, 200.0)
    add("single segment", t, np.round(8.0e7 + 250.0 * t + rng.normal(0.0, 1.0e5, t.size)), [0] * t.size)

    # AR(1) residuals (phi = 0.7), two segments.
    rng = np.random.default_rng(103)
    t1 = np.arange(0.0, 200.0)
    t2 = np.arange(200.0, 350.0)
    y1 = np.round(9.0e7 + 100.0 * t1 + ar1(rng, t1.size, 0.7, 2.0e5))
    y2 = np.round(8.0e7 + 100.0 * t2 + ar1(rng, t2.size, 0.7, 2.0e5))
    add("AR(1) residuals, two segments", np.concatenate([t1, t2]), np.concatenate([y1, y2]), [1] * t1.size + [2] * t2.size)

    # A segment with a single sample (a worker that died right away) plus two normal ones; string ids.
    rng = np.random.default_rng(104)
    t1 = np.arange(0.0, 40.0)
    t2 = np.array([40.0])
    t3 = np.arange(41.0, 90.0)
    y = np.round(np.concatenate(
        [
            5.0e7 - 30.0 * t1 + rng.normal(0.0, 2.0e4, t1.size),
            [4.0e7],
            5.2e7 - 30.0 * t3 + rng.normal(0.0, 2.0e4, t3.size),
        ]
    ))
    add(
        "singleton segment, negative slope, string ids",
        np.concatenate([t1, t2, t3]),
        y,
        ["w1"] * t1.size + ["w2"] + ["w3"] * t3.size,
    )

    # Interleaved segments (two workers sampled alternately), pure noise.
    rng = np.random.default_rng(105)
    n = 160
    t = np.arange(0.0, n)
    seg = [i % 2 for i in range(n)]
    y = np.round(np.where(np.array(seg) == 0, 3.0e7, 3.4e7) + rng.normal(0.0, 1.5e5, n))
    add("interleaved segments, pure noise", t, y, seg)

    # Negatively autocorrelated residuals: no adjustment.
    rng = np.random.default_rng(106)
    t = np.arange(0.0, 150.0)
    y = np.round(1.0e8 + 50.0 * t + ar1(rng, t.size, -0.5, 1.0e5))
    add("negative autocorrelation, no adjustment", t, y, [0] * t.size)

    return cases


# --------------------------------------------------------------------------------------------------------
# Distributions

T_DFS = [0.7, 1.0, 2.5, 5.0, 30.0, 1000.0, 1.0e5]
T_VALUES = [-40.0, -8.0, -3.0, -1.5, -0.25, 0.0, 0.5, 1.0, 1.96, 2.5, 6.0, 25.0]
PROBS = [0.001, 0.01, 0.2, 0.5, 0.8, 0.95, 0.975, 0.995, 0.999]


def distribution_cases():
    t_cdf = [{"t": t, "df": df, "expected": float(stats.t.cdf(t, df))} for df in T_DFS for t in T_VALUES]
    t_ppf = [{"p": p, "df": df, "expected": float(stats.t.ppf(p, df))} for df in T_DFS for p in PROBS]
    z_values = [-30.0, -8.0, -3.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.0, 5.0]
    norm_cdf = [{"z": z, "expected": float(stats.norm.cdf(z))} for z in z_values]
    norm_probs = [1e-300, 1e-12, 1e-5] + PROBS + [1 - 1e-9]
    norm_ppf = [{"p": p, "expected": float(stats.norm.ppf(p))} for p in norm_probs]
    beta_args = [
        (0.3, 2.0, 3.0),
        (0.9, 0.5, 0.5),
        (0.01, 1.0, 10.0),
        (0.999, 15.0, 0.5),
        (0.5, 50.0, 60.0),
        (0.2, 500.0, 0.5),
        (0.75, 3.5, 1.25),
    ]
    betainc = [{"x": x, "a": a, "b": b, "expected": float(special.betainc(a, b, x))} for x, a, b in beta_args]
    gamma_args = [0.1, 0.5, 1.5, 3.0, 7.5, 10.0, 33.3, 100.0, 1.0e4, 1.0e7, -0.5, -2.5]
    gammaln = [{"x": x, "expected": float(special.gammaln(x))} for x in gamma_args]
    return {
        "tCdf": t_cdf,
        "tPpf": t_ppf,
        "normCdf": norm_cdf,
        "normPpf": norm_ppf,
        "betainc": betainc,
        "gammaln": gammaln,
    }


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
        "linregress": linregress_cases(),
        "segmented": segmented_cases(),
        **distribution_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(to_json(data))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
