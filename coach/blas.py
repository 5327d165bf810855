"""One BLAS thread for a block of numpy work: the validator heads' products are large enough for
OpenBLAS to start its thread pool, whose second thread then spins, tripling a lone draft's CPU
(measured in benchmarks/RESULTS.md, "validation batched across concurrent requests")."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache


@lru_cache(maxsize=1)
def _controller():  # noqa: ANN202 - a threadpoolctl controller, or None without the package
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with the sentence encoder's [fast] extra
        return None
    return ThreadpoolController()  # finds the loaded BLAS libraries once (a scan per call is slow)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    controller = _controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
