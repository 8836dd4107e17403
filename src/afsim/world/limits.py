"""Size limits on what afsim reads and runs, in one place (README, "Exit codes").

Kept free of imports so the command line can use them in its option types without slowing
``afsim --help``.  A limit is checked before anything is created: a request beyond it is an
input error (exit 2), never a MemoryError halfway through building a result set.
"""

MAX_REPLICATIONS = 10_000_000
"""Replications per arm: the scenario schema's cap, -n/--replications and --max-replications."""

MAX_SWEEP_RUNS = 10_000_000
"""A sweep's points x replications (per arm), and so also the largest number of points."""

MAX_INPUT_BYTES = 1 << 20
"""Largest input file (scenario, baseline, sweep spec): 1 MiB, far above any real scenario."""

MAX_NESTING = 50
"""Deepest nesting of YAML lists and mappings in an input file (scenarios need 4)."""

MAX_ERRORS = 20
"""Errors reported per file before the rest are counted, as compilers do."""
