"""The optimiser every chef learner uses."""

import optax


def clipped_adam(learning_rate: float, max_grad_norm: float) -> optax.GradientTransformation:
    """Adam on gradients whose global norm is clipped to `max_grad_norm`."""
    return optax.chain(optax.clip_by_global_norm(max_grad_norm), optax.adam(learning_rate))
