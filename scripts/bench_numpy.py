#!/usr/bin/python3
"""NumPy side of `npm run bench`: the reference's forward+backward (same algorithm as
rnn_reference.py: one cell function per step, np.vstack for the LSTM's z, backward cell by cell),
timed on the same random sizes as the engine. Prints one JSON object per line:
{"kind", "size", "forward_ms", "backward_ms", "total_ms", "cpu_total_ms", "repeat"} (medians;
cpu_total_ms is process CPU time, steadier than wall time on a shared machine).

Run with OPENBLAS_NUM_THREADS=1 for the single-threaded figures the targets refer to.
Usage: bench_numpy.py [--sizes S1,S2,S3,S4] [--kinds rnn,lstm] [--repeat N] [--warmup N]
"""
import argparse
import json
import sys
import time

import numpy as np

SIZES = {  # (n_x, n_a, n_y, m, T_x)
    "S1": (3, 5, 2, 10, 4),
    "S2": (32, 64, 10, 16, 100),
    "S3": (128, 256, 64, 32, 200),
    "S4": (64, 128, 10, 1, 5000),
}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def rnn_cell_forward(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    yt = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt, (a_next, a_prev, xt, p)


def rnn_forward(x, a0, p):
    n_x, m, T = x.shape
    n_y, n_a = p["Wya"].shape
    a = np.zeros((n_a, m, T)); y = np.zeros((n_y, m, T)); caches = []
    h = a0
    for t in range(T):
        h, yt, c = rnn_cell_forward(x[:, :, t], h, p)
        a[:, :, t] = h; y[:, :, t] = yt; caches.append(c)
    return a, y, (caches, x)


def rnn_backward(da, caches):
    step_caches, _ = caches
    n_a, m, T = da.shape
    p = step_caches[0][3]
    n_x = step_caches[0][2].shape[0]
    dx = np.zeros((n_x, m, T)); dWax = np.zeros_like(p["Wax"]); dWaa = np.zeros_like(p["Waa"])
    dba = np.zeros((n_a, 1)); carry = np.zeros((n_a, m))
    for t in range(T - 1, -1, -1):
        a_next, a_prev, xt, _ = step_caches[t]
        dpre = (da[:, :, t] + carry) * (1.0 - a_next * a_next)
        dx[:, :, t] = p["Wax"].T @ dpre
        carry = p["Waa"].T @ dpre
        dWax += dpre @ xt.T; dWaa += dpre @ a_prev.T; dba += dpre.sum(axis=1, keepdims=True)
    return {"dx": dx, "da0": carry, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_forward(xt, a_prev, c_prev, p):
    z = np.vstack((a_prev, xt))
    ft = sigmoid(p["Wf"] @ z + p["bf"]); it = sigmoid(p["Wi"] @ z + p["bi"])
    cct = np.tanh(p["Wc"] @ z + p["bc"]); ot = sigmoid(p["Wo"] @ z + p["bo"])
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    yt = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, c_next, yt, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)


def lstm_forward(x, a0, p):
    n_x, m, T = x.shape
    n_y, n_a = p["Wy"].shape
    a = np.zeros((n_a, m, T)); c = np.zeros((n_a, m, T)); y = np.zeros((n_y, m, T)); caches = []
    h = a0; cell = np.zeros((n_a, m))
    for t in range(T):
        h, cell, yt, cc = lstm_cell_forward(x[:, :, t], h, cell, p)
        a[:, :, t] = h; c[:, :, t] = cell; y[:, :, t] = yt; caches.append(cc)
    return a, y, c, (caches, x)


def lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_prev.shape[0]
    tanh_c = np.tanh(c_next)
    dc_total = dc_next + da_next * ot * (1.0 - tanh_c * tanh_c)
    g_o = da_next * tanh_c * ot * (1.0 - ot)
    g_c = dc_total * it * (1.0 - cct * cct)
    g_i = dc_total * cct * it * (1.0 - it)
    g_f = dc_total * c_prev * ft * (1.0 - ft)
    z = np.vstack((a_prev, xt))
    dz = p["Wf"].T @ g_f + p["Wi"].T @ g_i + p["Wc"].T @ g_c + p["Wo"].T @ g_o
    return {
        "dxt": dz[n_a:], "da_prev": dz[:n_a], "dc_prev": dc_total * ft,
        "dWf": g_f @ z.T, "dbf": g_f.sum(axis=1, keepdims=True),
        "dWi": g_i @ z.T, "dbi": g_i.sum(axis=1, keepdims=True),
        "dWc": g_c @ z.T, "dbc": g_c.sum(axis=1, keepdims=True),
        "dWo": g_o @ z.T, "dbo": g_o.sum(axis=1, keepdims=True),
    }


def lstm_backward(da, caches):
    step_caches, _ = caches
    n_a, m, T = da.shape
    n_x = step_caches[0][8].shape[0]
    dx = np.zeros((n_x, m, T))
    acc = {k: np.zeros((n_a, n_a + n_x)) for k in ("dWf", "dWi", "dWc", "dWo")}
    acc.update({k: np.zeros((n_a, 1)) for k in ("dbf", "dbi", "dbc", "dbo")})
    ca = np.zeros((n_a, m)); cc = np.zeros((n_a, m))
    for t in range(T - 1, -1, -1):
        g = lstm_cell_backward(da[:, :, t] + ca, cc, step_caches[t])
        dx[:, :, t] = g["dxt"]
        for k in acc:
            acc[k] += g[k]
        ca = g["da_prev"]; cc = g["dc_prev"]
    out = {"dx": dx, "da0": ca}
    out.update(acc)
    return out


def problem(kind, n_x, n_a, n_y, m, T, seed=1):
    rs = np.random.default_rng(seed)
    x = rs.standard_normal((n_x, m, T)); a0 = rs.standard_normal((n_a, m)) * 0.1
    s = 1.0 / np.sqrt(n_a + n_x)
    if kind == "rnn":
        p = {"Wax": rs.standard_normal((n_a, n_x)) * s, "Waa": rs.standard_normal((n_a, n_a)) * s,
             "Wya": rs.standard_normal((n_y, n_a)) / np.sqrt(n_a),
             "ba": rs.standard_normal((n_a, 1)) * 0.1, "by": rs.standard_normal((n_y, 1)) * 0.1}
    else:
        p = {}
        for g in "fico":
            p["W" + g] = rs.standard_normal((n_a, n_a + n_x)) * s
            p["b" + g] = rs.standard_normal((n_a, 1)) * 0.1
        p["Wy"] = rs.standard_normal((n_y, n_a)) / np.sqrt(n_a); p["by"] = rs.standard_normal((n_y, 1)) * 0.1
    da = rs.standard_normal((n_a, m, T))
    return x, a0, p, da


def blas_name():
    """Which BLAS this NumPy uses (the engine's targets refer to OpenBLAS, single-threaded)."""
    try:  # numpy >= 1.25
        b = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:
        pass
    cfg = np.__config__
    if getattr(cfg, "openblas_info", None):
        return "openblas"
    libs = (getattr(cfg, "blas_opt_info", None) or {}).get("libraries", [])
    return "+".join(sorted(set(libs))) or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--info", action="store_true", help="print python/numpy/BLAS and exit")
    ap.add_argument("--sizes", default="S1,S2,S3,S4")
    ap.add_argument("--kinds", default="rnn,lstm")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    if a.info:
        print(json.dumps({"python": sys.executable, "numpy": np.__version__, "blas": blas_name()}))
        return 0
    for size in a.sizes.split(","):
        for kind in a.kinds.split(","):
            x, a0, p, da = problem(kind, *SIZES[size])
            fw, bw, tot, cpu = [], [], [], []
            for r in range(a.warmup + a.repeat):
                c0 = time.process_time()
                t0 = time.perf_counter()
                if kind == "rnn":
                    _, _, caches = rnn_forward(x, a0, p)
                else:
                    _, _, _, caches = lstm_forward(x, a0, p)
                t1 = time.perf_counter()
                (rnn_backward if kind == "rnn" else lstm_backward)(da, caches)
                t2 = time.perf_counter()
                c1 = time.process_time()
                if r >= a.warmup:
                    fw.append((t1 - t0) * 1e3); bw.append((t2 - t1) * 1e3); tot.append((t2 - t0) * 1e3)
                    cpu.append((c1 - c0) * 1e3)
            print(json.dumps({"kind": kind, "size": size, "forward_ms": float(np.median(fw)),
                              "backward_ms": float(np.median(bw)), "total_ms": float(np.median(tot)),
                              "cpu_total_ms": float(np.median(cpu)),
                              "repeat": a.repeat, "numpy": np.__version__}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
