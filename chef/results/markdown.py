"""GitHub-flavoured markdown tables from pandas DataFrames.

pandas' own `to_markdown` needs the optional `tabulate` package, which the
pinned stack does not install; this renderer covers what results need.
"""

import math
import numbers

import pandas as pd


def _cell(value: object, float_format: str) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return "-" if math.isnan(value) else float_format.format(value)
    if value is None:
        return "-"
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame, *, index: bool = True, float_format: str = "{:.3f}") -> str:
    """A pipe table; numeric columns right-aligned, NaN / None shown as '-'."""
    headers = [str(c) for c in frame.columns]
    right = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    rows = [[_cell(v, float_format) for v in row] for row in frame.itertuples(index=False)]
    if index:
        headers = [str(frame.index.name or "")] + headers
        right = [False] + right
        rows = [[_cell(label, float_format)] + row for label, row in zip(frame.index, rows)]
    rule = ["---:" if r else "---" for r in right]
    lines = [headers, rule] + rows
    return "\n".join("| " + " | ".join(line) + " |" for line in lines) + "\n"
