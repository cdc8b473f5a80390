"""Times the peers on the shapes of bench/gpu.mjs: torch.gradient, jax.jit(jnp.gradient), cupy.gradient
and numpy.gradient, float32, all axes, edge orders 1 and 2, with proper device synchronisation.

    python3 bench/peers.py [--sizes full|small|1d:16777216,2d:4096x4096] [--json FILE] [--repeat R] [--e2e]

--e2e times them end to end instead, as bench/e2e.mjs times gpuGradient: from a numpy array on the host
to numpy arrays on the host (upload, gradient, download, fresh outputs), wall time, edge order 1, on the
shapes of bench/e2e.mjs.

Each library that is not importable (or finds no GPU) is skipped and said so. Prints a table.
"""
import argparse
import json
import statistics
import time

FULL = [(2**24,), (2**26,), (4096, 4096), (8192, 8192), (256, 256, 256), (512, 512, 512)]
SMALL = [(2**18,), (512, 512), (64, 64, 64)]


def parse_sizes(spec):
    if spec in (None, "full"):
        return FULL
    if spec == "small":
        return SMALL
    out = []
    for item in spec.split(","):
        item = item.split(":")[-1]
        out.append(tuple(int(v) for v in item.split("x")))
    return out


def median_time(fn, sync, repeat):
    fn()
    sync()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_cuda_events(fn, repeat):
    """Median seconds of fn() between two CUDA events (torch), after a warm-up call."""
    import torch

    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeat):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def time_torch(shape, edge_order, repeat):
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA device")
    x = torch.randn(shape, device="cuda", dtype=torch.float32)
    return time_cuda_events(lambda: torch.gradient(x, edge_order=edge_order), repeat)


def time_jax(shape, edge_order, repeat):
    import jax
    import jax.numpy as jnp

    if jax.default_backend() != "gpu":
        raise RuntimeError(f"jax backend is {jax.default_backend()}")
    if edge_order == 2:
        raise RuntimeError("jnp.gradient has no edge_order=2")
    x = jax.random.normal(jax.random.PRNGKey(0), shape, dtype=jnp.float32)
    f = jax.jit(lambda a: jnp.gradient(a))  # first-order edges, like edge_order=1
    return median_time(lambda: jax.block_until_ready(f(x)), lambda: None, repeat)


def time_cupy(shape, edge_order, repeat):
    import cupy as cp

    x = cp.random.standard_normal(shape, dtype=cp.float32)
    s = cp.cuda.Stream.null
    start, end = cp.cuda.Event(), cp.cuda.Event()
    cp.gradient(x, edge_order=edge_order)
    s.synchronize()
    times = []
    for _ in range(repeat):
        start.record()
        cp.gradient(x, edge_order=edge_order)
        end.record()
        end.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, end) / 1e3)
    return statistics.median(times)


def time_numpy(shape, edge_order, repeat):
    import numpy as np

    if np.prod(shape) > 2**26:
        raise RuntimeError("skipped above 2^26 elements")
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    return median_time(lambda: np.gradient(x, edge_order=edge_order), lambda: None, max(3, repeat // 5))


def time_torch_copy(shape, edge_order, repeat):
    """The device's copy floor as torch sees it: a copy moving the bytes a gradient moves, 4·n·(1 + axes)."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA device")
    n = 1
    for v in shape:
        n *= v
    src = torch.randn((n * (1 + len(shape))) // 2, device="cuda", dtype=torch.float32)
    dst = torch.empty_like(src)
    return time_cuda_events(lambda: dst.copy_(src), repeat)


PEERS = {"torch": time_torch, "jax": time_jax, "cupy": time_cupy, "numpy": time_numpy, "torch_copy": time_torch_copy}

E2E_SHAPES = [(4096, 4096), (8192, 8192), (256, 256, 256), (512, 512, 512)]


def host_array(shape):
    import numpy as np

    return np.random.default_rng(0).standard_normal(shape, dtype=np.float32)


def e2e_torch(shape, repeat):
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA device")
    a = host_array(shape)

    def run():
        out = [g.cpu().numpy() for g in torch.gradient(torch.from_numpy(a).cuda())]
        torch.cuda.synchronize()
        return out

    return median_time(run, lambda: None, repeat)


def e2e_cupy(shape, repeat):
    import cupy as cp

    a = host_array(shape)
    return median_time(lambda: [g.get() for g in cp.gradient(cp.asarray(a))], cp.cuda.Stream.null.synchronize, repeat)


def e2e_jax(shape, repeat):
    import jax
    import jax.numpy as jnp
    import numpy as np

    if jax.default_backend() != "gpu":
        raise RuntimeError(f"jax backend is {jax.default_backend()}")
    a = host_array(shape)
    f = jax.jit(lambda x: jnp.gradient(x))
    return median_time(lambda: [np.asarray(g) for g in f(jax.device_put(a))], lambda: None, repeat)


def e2e_numpy(shape, repeat):
    import numpy as np

    a = host_array(shape)
    return median_time(lambda: np.gradient(a), lambda: None, repeat)


PEERS_E2E = {"torch": e2e_torch, "cupy": e2e_cupy, "jax": e2e_jax, "numpy": e2e_numpy}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes")
    ap.add_argument("--json")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--e2e", action="store_true")
    a = ap.parse_args()
    rows, notes = [], {}
    peers = PEERS_E2E if a.e2e else PEERS
    shapes = (E2E_SHAPES if a.sizes is None else parse_sizes(a.sizes)) if a.e2e else parse_sizes(a.sizes)
    for shape in shapes:
        for eo in (1,) if a.e2e else (1, 2):
            row = {"shape": "x".join(map(str, shape)), "edgeOrder": eo}
            for name, fn in peers.items():
                try:
                    row[name + "Ms"] = (fn(shape, min(a.repeat, 5)) if a.e2e else fn(shape, eo, a.repeat)) * 1e3
                except Exception as e:  # a missing library or GPU skips that peer
                    row[name + "Ms"] = None
                    notes.setdefault(name, f"{type(e).__name__}: {e}"[:160])
            rows.append(row)
            print(f"done {row['shape']} e{eo}", flush=True)
    versions = {}
    for mod in ("torch", "jax", "cupy", "numpy"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            pass
    print(("peers end to end, host to host" if a.e2e else "peers") + " (median ms):", json.dumps(versions))
    print("shape".ljust(14) + "eo".ljust(4) + "".join(n.rjust(12) for n in peers))
    for r in rows:
        cells = "".join(("n/a" if r[n + "Ms"] is None else f"{r[n + 'Ms']:.3f}").rjust(12) for n in peers)
        print(r["shape"].ljust(14) + str(r["edgeOrder"]).ljust(4) + cells)
    for name, note in notes.items():
        print(f"note {name}: {note}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"versions": versions, "e2e": a.e2e, "rows": rows, "notes": notes}, fh, indent=2)


if __name__ == "__main__":
    main()
