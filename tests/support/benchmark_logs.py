"""Logs as the benchmarks write them (benchmarks/make_log.py): sealed content, record keys,
the case index and numbers made as the real writers make them, every person's passphrase
``benchmark passphrase``."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
PASSPHRASE = "benchmark passphrase"  # every person's, in make_log's logs
READER = "Alex Morgan"  # the first manager


def load_make_log() -> ModuleType:
    """benchmarks/make_log.py, imported (it is not part of the package)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import make_log
    finally:
        sys.path.remove(str(BENCHMARKS))
    return make_log
