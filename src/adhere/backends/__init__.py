"""Backends: one request in, one response out, for one kind of model server or library.

Backends know nothing of constraints or suites (they import only :mod:`adhere.core`). Each is
small; the facade in :mod:`adhere.runner.facade` owns concurrency, retries and timeouts.
"""
