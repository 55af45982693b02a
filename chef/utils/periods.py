"""Periodic events of a training loop whose steps run several updates at once."""


def crossed(before: int, after: int, period: int) -> bool:
    """Whether a multiple of `period` lies in (before, after]: an event due every `period` updates
    is due after a step that took the update count from `before` to `after`."""
    return after // period > before // period
