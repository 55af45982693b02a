"""Success rates of binary episode outcomes with Wilson score intervals.

CHEF reports the percentage of episodes whose stack-leave reward is 1 at the
end; with a few hundred episodes per cell the sampling error matters, so every
rate carries a Wilson score interval (well behaved near 0 % and 100 %,
unlike the normal approximation).
"""

import dataclasses
import math
import statistics
from typing import Any, Iterable, Mapping


@dataclasses.dataclass(frozen=True)
class SuccessCount:
    """`successes` out of `episodes` episodes."""

    successes: int
    episodes: int

    def __post_init__(self):
        if not 0 <= self.successes <= self.episodes:
            raise ValueError(
                f"need 0 <= successes <= episodes, got successes={self.successes}, episodes={self.episodes}"
            )

    @classmethod
    def from_dict(cls, value: Mapping[str, Any], *, where: str = "count") -> "SuccessCount":
        """From a results.json cell {"successes": k, "episodes": n}."""
        if not isinstance(value, Mapping) or set(value) != {"successes", "episodes"}:
            raise ValueError(f"{where}: expected {{'successes': k, 'episodes': n}}, got {value!r}")
        return cls(successes=int(value["successes"]), episodes=int(value["episodes"]))

    def to_dict(self) -> dict[str, int]:
        return {"successes": self.successes, "episodes": self.episodes}

    @property
    def rate(self) -> float:
        """Success fraction in [0, 1]; NaN without episodes."""
        return self.successes / self.episodes if self.episodes else math.nan

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        return wilson_interval(self.successes, self.episodes, confidence)

    def __add__(self, other: "SuccessCount") -> "SuccessCount":
        return SuccessCount(self.successes + other.successes, self.episodes + other.episodes)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (low, high) for a binomial proportion.

    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with p = k/n and z the
    two-sided normal quantile; (nan, nan) when there are no trials.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return math.nan, math.nan
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else centre - half_width  # exact at the edges
    high = 1.0 if successes == trials else centre + half_width
    return low, high


def pool(counts: Iterable[SuccessCount]) -> SuccessCount:
    """All episodes together (the EXECUTE stage's "average of all evaluations")."""
    return sum(counts, SuccessCount(0, 0))


def mean_rate(counts: Iterable[SuccessCount]) -> float:
    """Unweighted mean of the rates (the paper's "Average" over triplets)."""
    rates = [count.rate for count in counts if count.episodes]
    return statistics.fmean(rates) if rates else math.nan


def format_rate(count: SuccessCount, confidence: float = 0.95) -> str:
    """'80% [49-94]': rate and interval in whole percent; '-' without episodes."""
    if not count.episodes:
        return "-"
    low, high = count.interval(confidence)
    return f"{100 * count.rate:.0f}% [{100 * low:.0f}-{100 * high:.0f}]"


def count_successes(outcomes: Iterable[float | bool]) -> SuccessCount:
    """Counts per-episode outcomes (1/True = success, 0/False = failure)."""
    values = [float(outcome) for outcome in outcomes]
    unexpected = sorted({v for v in values if v not in (0.0, 1.0)})
    if unexpected:
        raise ValueError(f"episode outcomes must be 0 or 1, got {unexpected[:5]}")
    return SuccessCount(successes=int(sum(values)), episodes=len(values))
