"""Only on the PYTHONPATH of processes the tests start: seal keys cheaply in them too.

See tests/support/cheap_keys.py. Loaded by path, so that nothing else of the tests'
support folder becomes importable in those processes.
"""

import contextlib
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_infoshare_test_cheap_keys", Path(__file__).resolve().parent.parent / "cheap_keys.py"
)
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    # A process without infoshare importable (pip building a wheel, say) has no keys.
    with contextlib.suppress(ImportError):
        _module.use_cheap_keys()
