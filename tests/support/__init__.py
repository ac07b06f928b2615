"""Helpers shared by the test files: the people and logs they start from, reference
writers, raw-SQLite attacks and the real-prompt driver. Importable as ``support.*``
because tests/conftest.py puts the tests folder on ``sys.path``."""
