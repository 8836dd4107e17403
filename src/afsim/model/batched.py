"""The batched engine's Python side: parameter rows, policy stacks, and the call into the kernel.

A chunk of replications need not share one world.  Each replication brings its own parameter
row and names its policy in a stack, so the points of a sweep, the arms of a paired run or
(later) plausible worlds can be packed into one chunk and run by one compiled loop
(:func:`afsim.model.kernel.run_worlds`).  A replication's numbers depend only on its row, its
policy and its key: never on what else shares the chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from afsim.model import kernel, rules
from afsim.world.levers import Policy
from afsim.world.parameters import Parameters, parameter_specs


def parameter_row(params: Parameters) -> np.ndarray:
    """One world's parameters as a float64 row, columns in :data:`afsim.model.rules.COLUMNS` order."""
    return np.array([params.get(path) for path in rules.COLUMNS], dtype=np.float64)


def missing_columns() -> list[str]:
    """Parameters that no column of the row carries (must be empty: a test checks it)."""
    return [s.path for s in parameter_specs() if s.path not in rules.COLUMNS]


def policy_matrix(policy: Policy, horizon: int | None = None) -> np.ndarray:
    """A compiled policy as a float64 matrix, months x :data:`afsim.model.rules.LEVER_COLUMNS`."""
    months = policy.horizon if horizon is None else horizon
    matrix = np.zeros((months, len(rules.LEVER_COLUMNS)))
    matrix[:, rules.SHARING:rules.SHARING + len(rules.TARGETS)] = policy.sharing[:months]
    matrix[:, rules.LEVER.sanctions] = policy.sanctions[:months]
    matrix[:, rules.LEVER.strikes] = policy.strikes[:months]
    matrix[:, rules.LEVER.russia_ct_offer] = policy.russia_ct_offer[:months]
    matrix[:, rules.LEVER.iran_ct_offer] = policy.iran_ct_offer[:months]
    matrix[:, rules.LEVER.sanctions_targeted] = policy.sanctions_targeted[:months]
    for event in ("bounty_revelation", "economic_shock"):
        matrix[:, rules.LEVER_COLUMNS.index(event)] = policy.events[event][:months]
    return matrix


def policy_stack(policies: Sequence[Policy], horizon: int) -> np.ndarray:
    """Several policies as one array, policies x months x lever columns (each at least ``horizon`` long)."""
    for policy in policies:
        if policy.horizon < horizon:
            raise ValueError(f"a policy of {policy.horizon} months cannot run {horizon} months")
    return np.stack([policy_matrix(p, horizon) for p in policies]) if policies else np.zeros(
        (0, horizon, len(rules.LEVER_COLUMNS)))


def run_batched(rows: np.ndarray, policy_of: np.ndarray, policies: np.ndarray, keys: np.ndarray,
                horizon: int) -> dict[str, np.ndarray]:
    """Run one chunk of replications, each with its own parameter row and policy.

    This is the entry point for a scheduler packing many small jobs into full chunks:

    * ``rows``: float64 (replications, len(COLUMNS)), one :func:`parameter_row` per replication;
    * ``policy_of``: int (replications,), the index of each replication's policy in ``policies``;
    * ``policies``: float64 (policies, months >= horizon, len(LEVER_COLUMNS)), from :func:`policy_stack`;
    * ``keys``: uint64 (replications,), from :func:`afsim.model.streams.replication_keys`.

    Returns {series: (months, replications)}.  Replication r's record is the same whatever else
    is in the chunk, and the same as the Mesa engine's for that world and key.
    """
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    policy_of = np.ascontiguousarray(policy_of, dtype=np.int64)
    policies = np.ascontiguousarray(policies, dtype=np.float64)
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    n = len(keys)
    if rows.shape != (n, len(rules.COLUMNS)) or policy_of.shape != (n,):
        raise ValueError(f"expected {n} parameter rows of {len(rules.COLUMNS)} columns and {n} policy indices, "
                         f"got rows {rows.shape} and policy indices {policy_of.shape}")
    if policies.ndim != 3 or policies.shape[1] < horizon or policies.shape[2] != len(rules.LEVER_COLUMNS):
        raise ValueError(f"expected a policy stack (policies, >= {horizon} months, {len(rules.LEVER_COLUMNS)}), "
                         f"got {policies.shape}")
    if n and (policy_of.min() < 0 or policy_of.max() >= len(policies)):
        raise ValueError(f"policy indices must lie in 0..{len(policies) - 1}")
    record = kernel.run_worlds(rows, policy_of, policies, keys, horizon).transpose(1, 2, 0)  # a view, no copy
    return dict(zip(rules.SERIES, record, strict=True))


def simulate_batched(params: Parameters, policy: Policy, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Every replication under one world: the common case of :func:`run_batched`."""
    keys = np.asarray(keys, dtype=np.uint64)
    rows = np.repeat(parameter_row(params)[None, :], len(keys), axis=0)
    return run_batched(rows, np.zeros(len(keys), dtype=np.int64), policy_stack([policy], policy.horizon), keys,
                       policy.horizon)
