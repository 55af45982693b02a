"""MPO's per-dimension KL bound on the same COLLECT data (issue 16): each action dimension's
mean and covariance bound is the whole epsilon ('full', Acme's and rlax's) or epsilon / A
('divided'), two seeds each. Everything else is the base config's (e.g. collect:state_lift's two
heads, cloning of the scripted episodes and standardised inputs).

Usage (on a `state_lift` COLLECT run; docs/results.md has the measured run):
  chef-sweep --config=sweep:state_lift --sweep=sweeps/mpo_kl_bound.py --run_name=<run>
  chef-execute --config=execute:state_lift --run_name=<run>
"""

from chef.sweeps import product, to_sweep

BOUND_AXIS = [(bound, {"agent": "mpo", "mpo.per_dim_epsilon": bound}) for bound in ("full", "divided")]
SEED_AXIS = [(f"seed{seed}", {"seed": seed}) for seed in (0, 1)]


def get_sweep() -> list[dict]:
    """full_seed0, full_seed1, divided_seed0, divided_seed1."""
    return to_sweep(product(BOUND_AXIS, SEED_AXIS))
