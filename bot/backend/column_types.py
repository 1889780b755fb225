"""Column types that keep Python values honest on every database: UTC times, exact money."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, Numeric, TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, also on SQLite (which stores naive text).

    Naive datetimes are refused: a time without a zone is a bug waiting to
    happen in a service used from China and abroad.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass timezone-aware UTC times")
        utc = value.astimezone(timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


CENT = Decimal("0.01")


class Money(TypeDecorator):
    """NUMERIC(12, 2) that always comes back as an exact Decimal with two places.

    SQLite has no decimal type and stores a float; twelve significant digits
    survive a float exactly, so reading it back via str() is lossless.
    """

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "sqlite":  # take the float ourselves instead of a lossy-decimal warning
            return dialect.type_descriptor(Numeric(12, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(12, 2))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else Decimal(str(value)).quantize(CENT)

    def process_result_value(self, value: Any, dialect: Dialect) -> Optional[Decimal]:
        return None if value is None else Decimal(str(value)).quantize(CENT)
