"""int8 weights for an onnx graph written by coach (e5's layers, USE's forward pass): onnxruntime's
dynamic quantisation of the MatMul products, weights per output channel, activations per call.

onnxruntime logs advice on the root logger while it quantises ("consider to run pre-processing"):
it concerns models exported from training frameworks, not graphs written op by op, and would sit in
the service's start-up log as a warning; it is dropped here, nothing else is.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

_ADVICE = "Please consider to run pre-processing before quantization"


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_ADVICE)


def quantize_int8(model: Path, folder: Path, keep_float: Sequence[str] = ()) -> None:
    """Rewrites `model` in place with int8 MatMul weights, except the nodes named in `keep_float`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fd, out = tempfile.mkstemp(prefix=".quant-", suffix=".onnx", dir=folder)
    os.close(fd)
    advice = _DropAdvice()
    logging.getLogger().addFilter(advice)
    try:
        quantize_dynamic(str(model), out, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=list(keep_float))
        os.replace(out, model)
    finally:
        logging.getLogger().removeFilter(advice)
        Path(out).unlink(missing_ok=True)
