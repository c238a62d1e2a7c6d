"""nnenum (Bak et al.) as a side-by-side peer: exact star-set enumeration region counts.

nnenum's exact mode (``Settings.BRANCH_EXACT``, no property) splits the input box into one
star set per activation pattern it meets, so ``Result.total_stars`` is the number of linear
regions of the network restricted to the box. nnenum is not a dependency of linregions: its
source is looked up at run time (``NNENUM_SRC``, default ``/work/peers/nnenum/src``) and run in
a subprocess with ``PYTHONPATH`` set to it and single-threaded BLAS (nnenum asserts this). It
needs numpy, scipy, onnx, onnxruntime, skl2onnx, swiglpk, termcolor and threadpoolctl.

Numbers are float64: nnenum's ONNX loader keeps the float32 weights, but the stars take the
dtype of the initial box, which is float64 here, and the layer arrays are cast to float64 too.
Nets that only nnenum's generic (onnxruntime) loader reads run in the model's float32, with a
warning. Inputs with ``lo == hi`` (ACAS Xu properties 3 and 4) are folded into a bias by nnenum
(``Settings.COMPRESS_INIT_BOX``), so the stars live in the remaining dimensions.

Run by hand::

    PYTHONPATH=python python benches/nnenum_peer.py \
        ../shared/nets/acasxu/ACASXU_run2a_1_1_batch_2000.onnx --prop 1 --processes 2 --timeout 600
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np

#: Where the shared networks and VNN-LIB files live (next to the repository).
NETS = Path(__file__).resolve().parents[1].parent / "shared" / "nets"
#: Default location of nnenum's ``src`` folder (holding the ``nnenum`` package).
DEFAULT_NNENUM_SRC = "/work/peers/nnenum/src"
#: Extra seconds the parent waits past ``timeout`` before it kills the subprocess.
KILL_GRACE_S = 30.0

# Runs in the subprocess: argv[1] is a JSON object {onnx, lo, hi, processes, timeout}.
# Everything nnenum (and GLPK) writes goes to stderr; stdout gets one JSON line.
_CHILD = r"""
import json, os, sys
import numpy as np
args = json.loads(sys.argv[1])
out = os.dup(1)
os.dup2(2, 1)  # nnenum, its worker processes and GLPK print to fd 1: send that to stderr
from nnenum.enumerate import enumerate_network
from nnenum.onnx_network import load_onnx_network, load_onnx_network_optimized
from nnenum.settings import Settings
Settings.BRANCH_MODE = Settings.BRANCH_EXACT
Settings.TRY_QUICK_OVERAPPROX = False
Settings.CONTRACT_ZONOTOPE_LP = True
Settings.CONTRACT_LP_OPTIMIZED = True
Settings.NUM_PROCESSES = args["processes"]
Settings.TIMEOUT = np.inf if args["timeout"] is None else float(args["timeout"])
Settings.PRINT_OUTPUT = False
Settings.PRINT_PROGRESS = False
Settings.PRINT_OVERAPPROX_OUTPUT = False
Settings.TIMING_STATS = False
try:  # as nnenum.py: the fast loader first, the generic (onnxruntime) one when it fails
    network = load_onnx_network_optimized(args["onnx"])
    dtype = np.float64
    for layer in network.layers:  # float32 weights -> float64 (same values)
        for name in ("mat", "vec", "weights", "biases"):
            arr = getattr(layer, name, None)
            if isinstance(arr, np.ndarray) and arr.dtype != dtype:
                setattr(layer, name, arr.astype(dtype))
except Exception:
    network = load_onnx_network(args["onnx"])
    dtype = next((l.dtype for l in network.layers if hasattr(l, "dtype")), np.float32)
init_box = np.array(list(zip(args["lo"], args["hi"])), dtype=dtype)
res = enumerate_network(init_box, network, None)
timed_out = res.result_str == "timeout"
if res.result_str not in ("none", "timeout"):
    raise RuntimeError(f"nnenum ended with result {res.result_str!r}")
line = json.dumps({
    "count": None if timed_out else int(res.total_stars),
    "seconds": float(res.total_secs),
    "timed_out": timed_out,
    "dtype": np.dtype(dtype).name,
})
os.write(out, (line + "\n").encode())
"""


def nnenum_path() -> Optional[Path]:
    """nnenum's ``src`` folder (``$NNENUM_SRC``, default ``/work/peers/nnenum/src``).

    Returns None when it does not hold the ``nnenum`` package.
    """
    src = Path(os.environ.get("NNENUM_SRC", DEFAULT_NNENUM_SRC))
    return src if (src / "nnenum" / "enumerate.py").is_file() else None


def count_regions(
    onnx_path: str | os.PathLike[str],
    lo: Any,
    hi: Any,
    processes: int = 2,
    timeout: Optional[float] = None,
) -> dict[str, Any]:
    """Counts the linear regions of an ONNX ReLU net in the box ``[lo, hi]`` with nnenum.

    Parameters
    ----------
    onnx_path : str or os.PathLike
        The network (flat input of ``len(lo)`` values).
    lo, hi : array_like
        The input box, flat; ``lo == hi`` fixes a coordinate.
    processes : int
        nnenum worker processes (``Settings.NUM_PROCESSES``).
    timeout : float or None
        nnenum's own limit in seconds (``Settings.TIMEOUT``); the subprocess is killed
        ``KILL_GRACE_S`` seconds later if still running. None: no limit.

    Returns
    -------
    dict
        ``count`` (int, or None on a timeout), ``seconds`` (nnenum's own wall time, or the
        elapsed time when the subprocess had to be killed) and ``timed_out`` (bool).

    Raises
    ------
    FileNotFoundError
        When nnenum's source is not found (see `nnenum_path`).
    RuntimeError
        When nnenum fails or prints no result.
    """
    src = nnenum_path()
    if src is None:
        raise FileNotFoundError("nnenum source not found: set NNENUM_SRC to its src folder")
    lo_list = np.asarray(lo, dtype=np.float64).ravel().tolist()
    hi_list = np.asarray(hi, dtype=np.float64).ravel().tolist()
    if len(lo_list) != len(hi_list):
        raise ValueError(f"lo has {len(lo_list)} values, hi {len(hi_list)}")
    args = {
        "onnx": str(Path(onnx_path).resolve()),
        "lo": lo_list,
        "hi": hi_list,
        "processes": int(processes),
        "timeout": None if timeout is None else float(timeout),
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    limit = None if timeout is None else float(timeout) + KILL_GRACE_S
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a kill reaches nnenum's worker processes too
    )
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"count": None, "seconds": time.perf_counter() - start, "timed_out": True}
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"nnenum failed (exit {proc.returncode}):\n{stderr[-4000:]}")
    got = json.loads(lines[-1])
    if got["dtype"] != "float64":
        warnings.warn(f"nnenum ran this net in {got['dtype']}", RuntimeWarning, stacklevel=2)
    return {"count": got["count"], "seconds": got["seconds"], "timed_out": got["timed_out"]}


def acas_box(prop: int) -> tuple[np.ndarray, np.ndarray]:
    """The input box ``(lo, hi)`` of ACAS Xu property 1-4 (normalised inputs, (5,) each).

    Read from ``../shared/nets/acasxu_prop_{prop}.vnnlib`` with linregions' own VNN-LIB
    parser (needs the built extension: ``scripts/dev-build``, ``PYTHONPATH=python``).
    """
    if prop not in (1, 2, 3, 4):
        raise ValueError(f"ACAS Xu property must be 1-4, got {prop}")
    import linregions as lr

    box = lr.read_vnnlib(NETS / f"acasxu_prop_{prop}.vnnlib").box
    if box is None:
        raise ValueError(f"property {prop} has several input boxes")
    return box


def main(argv: Optional[list[str]] = None) -> None:
    """CLI: ``python benches/nnenum_peer.py NET.onnx --prop 1 --processes 2 --timeout 600``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("onnx", help="the ONNX network")
    parser.add_argument("--prop", type=int, default=1, help="ACAS Xu property (1-4) for the box")
    parser.add_argument("--processes", type=int, default=2, help="nnenum worker processes")
    parser.add_argument("--timeout", type=float, default=None, help="seconds (default: none)")
    ns = parser.parse_args(argv)
    lo, hi = acas_box(ns.prop)
    print(json.dumps(count_regions(ns.onnx, lo, hi, ns.processes, ns.timeout)))


if __name__ == "__main__":
    main()
