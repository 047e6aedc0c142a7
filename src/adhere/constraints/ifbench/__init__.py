"""IFBench's 58 out-of-distribution constraints (Pyatkin et al. 2025), one module per family:
``count``, ``custom``, ``format``, ``ratio``, ``repeat``, ``sentence``, ``words``.

Ids and params are IFBench's own, so its data files load as they are (unused params arrive as
``null`` and count as absent). The family modules are imported on demand by the constraint
registry (see :mod:`adhere.constraints`), not by this package.
"""
