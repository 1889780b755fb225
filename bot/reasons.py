"""Why a customer disputes a transaction or wants a refund.

Customers pick a reason with a button (its payload names the reason code) or
type it; typed reasons are recognised by keywords, and anything else counts
as "other" (the customer's own words still go with the ticket).
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Sequence

from bot.backend.models import DISPUTE_REASONS, REFUND_REASONS

OTHER = "other"
DISPUTE_REASON_ENTITY = "dispute_reason"
REFUND_REASON_ENTITY = "refund_reason"

_KEYWORDS: Dict[str, str] = {
    "unauthorised": r"未授权|未經授權|没授权|不是我|非本人|盗刷|被盗|unauthori[sz]ed|not authori[sz]ed|didn'?t make|not me|fraud|stolen",
    "not_received": r"没收到|未收到|沒收到|没到货|没发货|not received|never (arrived|came|received)|didn'?t (get|receive)|not arrived",
    "not_as_described": r"不符|与描述|和描述|货不对版|假货|质量|not as described|wrong item|fake|damaged|broken|different from",
    "charged_twice": r"两次|重复|扣了两|二次|double|twice|duplicate",
    "wrong_amount": r"金额不对|金额错|多扣|扣多了|wrong amount|overcharged|charged too much|incorrect amount",
    "cancelled_order": r"取消了订单|订单取消|已取消|退订|cancel+ed (the )?order|order (was )?cancel+ed|changed my mind",
}


def reason_from_text(text: Optional[str], allowed: Sequence[str]) -> str:
    """The first allowed reason whose keywords appear in `text`, else "other"."""
    for code in allowed:
        pattern = _KEYWORDS.get(code)
        if pattern and text and re.search(pattern, text, re.IGNORECASE):
            return code
    return OTHER


def reason_payload(entity: str, code: str) -> str:
    """A button payload that sets the reason exactly (`/inform{"dispute_reason": "x"}`)."""
    return "/inform" + json.dumps({entity: code}, separators=(",", ":"))


def reason_payloads() -> List[str]:
    """Every reason button payload: the channels let exactly these "/" commands through."""
    return [reason_payload(DISPUTE_REASON_ENTITY, c) for c in DISPUTE_REASONS] + [
        reason_payload(REFUND_REASON_ENTITY, c) for c in REFUND_REASONS
    ]
