"""A plan computed over a table's frame with pandas: the value and every data row it used."""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.table.conditions import Condition
from qa.answer.table.frame import Frame
from qa.answer.table.parse import Plan


@dataclass(frozen=True)
class Computed:
    """The result of a plan: `value` (a number, a cell's text, a list of texts or {group: number}) and the
    positions in `table.rows` of the rows it used; or `unsure` when no row or several rows where one was meant."""

    value: object = None
    rows: tuple[int, ...] = ()
    unsure: str | None = None
    extreme: float | str | None = None  # argmax/argmin: the highest or lowest value (a total when by_total)


def _mask(frame: Frame, condition: Condition):
    data = frame.data[condition.column]
    kind = frame.column(condition.column).kind
    values = condition.values
    if kind == "date" and condition.op in (">", ">=", "<", "<=", "=", "year"):
        data, kind = data.dt.year, "year"
    if condition.op == "=" and kind == "text":
        return data.isin(values)
    if condition.op in ("=", "year"):
        return data == values[0]
    if condition.op == "month":
        month, year = values
        return (data.dt.month == month) & ((data.dt.year == year) if year else True)
    if condition.op == "months":
        first, last, year = values
        return data.dt.month.between(first, last) & ((data.dt.year == year) if year else True)
    if condition.op == "between":
        return data.between(values[0], values[1])
    return {">": data.gt, ">=": data.ge, "<": data.lt, "<=": data.le}[condition.op](values[0])


def selected(frame: Frame, conditions: tuple[Condition, ...]):
    """The boolean mask of the data rows meeting every condition."""
    import pandas as pd

    mask = pd.Series(True, index=frame.data.index)
    for condition in conditions:
        mask &= _mask(frame, condition).fillna(False).astype(bool)
    return mask


def _cell(frame: Frame, i: int, column: str) -> str:
    return frame.table.rows[frame.positions[i]].cells[frame.table.columns.index(column)]


def _rows(frame: Frame, index) -> tuple[int, ...]:
    return tuple(frame.positions[i] for i in index)


def compute(frame: Frame, plan: Plan) -> Computed:
    """The plan's value over the rows meeting its conditions."""
    mask = selected(frame, plan.conditions)
    if not mask.any():
        return Computed(unsure="no row meets the conditions")
    data = frame.data[mask]
    if plan.group_by:
        return _grouped(frame, plan, data)
    if plan.operation == "count":
        if plan.distinct:
            return Computed(int(data[plan.column].nunique()), _rows(frame, data.index))
        return Computed(len(data), _rows(frame, data.index))
    if plan.operation == "filter":
        return Computed(tuple(_cell(frame, i, plan.answer_column) for i in data.index), _rows(frame, data.index))
    values = data[plan.column].dropna()
    if values.empty:
        return Computed(unsure=f"the rows that meet the conditions have no {plan.column}")
    if plan.operation == "lookup":
        if len(data) > 1:
            return Computed(unsure=f"{len(data)} rows meet the conditions, not one")
        i = data.index[0]
        kind = frame.column(plan.column).kind
        return Computed(float(values.iloc[0]) if kind == "number" else _cell(frame, i, plan.column), _rows(frame, [i]))
    if plan.operation in ("sum", "average"):
        total = float(values.sum()) if plan.operation == "sum" else float(values.mean())
        return Computed(total, _rows(frame, values.index))
    if plan.by_total:
        return _best_total(frame, plan, data, values)
    best = values.max() if plan.operation in ("max", "argmax") else values.min()
    winners = values.index[values == best]
    number = frame.column(plan.column).kind == "number"
    extreme = float(best) if number else _cell(frame, winners[0], plan.column)
    if plan.operation in ("argmax", "argmin"):
        return Computed(_cell(frame, winners[0], plan.answer_column), _rows(frame, winners), extreme=extreme)
    return Computed(extreme, _rows(frame, winners))


def _best_total(frame: Frame, plan: Plan, data, values) -> Computed:
    """The value of the answer column whose rows add up to the most (or least), and those rows."""
    totals = values.groupby(data.loc[values.index, plan.answer_column], observed=True).sum()
    best = totals.idxmax() if plan.operation == "argmax" else totals.idxmin()
    rows = values.index[data.loc[values.index, plan.answer_column] == best]
    return Computed(_cell(frame, rows[0], plan.answer_column), _rows(frame, rows), extreme=float(totals[best]))


def _group_keys(column, part: str | None):
    """The values to group by: the column's own, or the year ('2023') or month ('2023-03') of its dates."""
    if part == "year":
        return column.dt.year.astype("Int64").astype(str).where(column.notna())
    if part == "month":
        return column.dt.strftime("%Y-%m").where(column.notna())
    return column


def _grouped(frame: Frame, plan: Plan, data) -> Computed:
    """{group: value} for each value of the group column (or each year or month of a date column), in the table's
    order."""
    groups = _group_keys(data[plan.group_by], plan.group_part)
    data = data.assign(_group=groups).dropna(subset=["_group"])
    labels = {}
    for i in data.index:
        labels.setdefault(groups[i], _cell(frame, i, plan.group_by) if not plan.group_part else str(groups[i]))
    if plan.operation == "count":
        counts = (data.groupby("_group", observed=True)[plan.column].nunique() if plan.distinct
                  else data.groupby("_group", observed=True).size())  # fmt: skip
        used = data.index
    else:
        measured = data.dropna(subset=[plan.column])
        how = {"sum": "sum", "average": "mean", "max": "max", "min": "min"}.get(plan.operation, "sum")
        counts = measured.groupby("_group", observed=True)[plan.column].agg(how)
        used = measured.index
    value = {labels[k]: float(counts[k]) for k in labels if k in counts.index}
    return Computed(value, _rows(frame, used))
