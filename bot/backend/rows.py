"""Get-or-create of a per-key row, safe when two requests create it at once."""
from __future__ import annotations

from typing import Any, Type, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

Row = TypeVar("Row")


def locked_row(session: Session, model: Type[Row], column: InstrumentedAttribute, key: Any, **defaults: Any) -> Row:
    """The row whose unique `column` is `key`, locked for update on PostgreSQL; created if missing.

    A parallel first request may create the same row: the loser's insert fails
    inside a savepoint and it reads the winner's row instead.
    """
    statement = select(model).where(column == key).with_for_update()
    row = session.scalars(statement).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**{column.key: key}, **defaults)
            session.add(row)
    except IntegrityError:
        row = session.scalars(statement).one()
    return row
