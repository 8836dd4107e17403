"""Experimental designs and sensitivity indices, one small module per method (as in SALib).

Every module has ``sample(problem, size, seed) -> X`` (points x factors, in the factors' units)
and ``analyze(problem, X, Y, seed) -> list[dict] | None`` (one dict per factor; ``None`` when the
design supports no index).  ``problem`` is SALib's dict: ``num_vars``, ``names``, ``bounds``.
"""

from __future__ import annotations

from types import ModuleType

from afsim.studies.sensitivity import grid, lhs, morris, sobol

DESIGNS: dict[str, ModuleType] = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}
