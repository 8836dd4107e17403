"""The five-actor model: rules written once (compiled), run by two engines with the same numbers.

* ``"batched"``: one compiled loop over the replications of a chunk and the months
  (:func:`afsim.model.batched.run_batched`); the default, for every real run.
* ``"mesa"``: an ordinary Mesa 3.3 model of one world (:class:`AfsimModel`), whose agents call
  the same compiled rules in their ``step``; slow, for checking and teaching.

Importing this package is light (no numpy, numba or Mesa) so that the CLI can read
:data:`ENGINES` at start-up; the engines load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from afsim.model.model import AfsimModel
    from afsim.world.levers import Policy
    from afsim.world.parameters import Parameters

__all__ = ["ENGINES", "SERIES", "AfsimModel", "simulate"]

ENGINES = ("batched", "mesa")
"""Engine names, default first."""


def simulate(params: Parameters, policy: Policy, keys: np.ndarray, engine: str = "batched") -> dict[str, np.ndarray]:
    """Run the replications with these keys under one world; return {series: (months, replications)}.

    This is the one door from the experiment engine into the model: whatever engine computes
    the numbers, replication *i* with key *k* gives the same record.
    """
    if engine == "batched":
        from afsim.model.batched import simulate_batched

        return simulate_batched(params, policy, keys)
    if engine == "mesa":
        from afsim.model.model import simulate_mesa

        return simulate_mesa(params, policy, keys)
    raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")


def __getattr__(name: str) -> Any:
    if name == "AfsimModel":
        from afsim.model.model import AfsimModel

        return AfsimModel
    if name == "SERIES":
        from afsim.model.rules import SERIES

        return SERIES
    raise AttributeError(f"module 'afsim.model' has no attribute {name!r}")
