"""The words of every message the backend sends a customer, in zh and en.

Kept apart from the rules so support can reword them without touching logic.
Each function returns (subject, body) in the customer's preferred language.
"""
from __future__ import annotations

from typing import Dict, Tuple

from bot.language import EN, ZH

Notice = Tuple[str, str]


def _pick(language: str, texts: Dict[str, Notice]) -> Notice:
    return texts[EN] if language == EN else texts[ZH]


def verification_code_notice(language: str, code: str, valid_minutes: int) -> Notice:
    return _pick(language, {
        ZH: ("KDPay 验证码",
             f"【KDPay】您的验证码是 {code},{valid_minutes} 分钟内有效。"
             "请勿告诉任何人:KDPay 工作人员绝不会向您索要验证码。"),
        EN: ("Your KDPay verification code",
             f"KDPay: your verification code is {code}. It expires in {valid_minutes} minutes. "
             "Never share it: KDPay staff will never ask for it."),
    })


def reset_link_notice(language: str, link: str, valid_minutes: int) -> Notice:
    return _pick(language, {
        ZH: ("重置您的 KDPay 密码",
             f"您好,我们收到了重置 KDPay 密码的请求。请在 {valid_minutes} 分钟内打开以下链接设置新密码"
             f"(链接只能使用一次):\n{link}\n\n"
             "如果这不是您本人的操作,请忽略本邮件,您的密码不会改变;"
             "如担心账户安全,请立即联系客服锁定账户。"),
        EN: ("Reset your KDPay password",
             f"Hello, we received a request to reset your KDPay password. Open this link within "
             f"{valid_minutes} minutes to choose a new one (it works only once):\n{link}\n\n"
             "If this wasn't you, ignore this e-mail and your password stays the same; "
             "if you are worried about your account, contact support to lock it now."),
    })


def dispute_opened_notice(language: str, ticket_number: str, transaction_id: str) -> Notice:
    return _pick(language, {
        ZH: (f"争议已受理:{ticket_number}",
             f"您对交易 {transaction_id} 的争议已受理,工单号 {ticket_number}。接下来:\n"
             "1. KDPay 会联系交易另一方,尝试调解。\n"
             "2. 如有证据(交易截图、沟通记录),请回复本邮件附上。\n"
             "3. 调解不成时,KDPay 会根据交易记录和证据做出最终决定。\n"
             f"您可随时凭工单号 {ticket_number} 向客服查询进度,结果会通过短信或邮件通知您。"),
        EN: (f"Dispute received: {ticket_number}",
             f"We have received your dispute about transaction {transaction_id}; your ticket is "
             f"{ticket_number}. What happens next:\n"
             "1. KDPay contacts the other party and tries to mediate.\n"
             "2. If you have evidence (screenshots, chat records), reply to this e-mail with it.\n"
             "3. If mediation fails, KDPay decides based on the transaction records and evidence.\n"
             f"Ask about progress any time with ticket {ticket_number}; the result is sent to you "
             "by SMS or e-mail."),
    })


def refund_requested_notice(language: str, ticket_number: str, transaction_id: str) -> Notice:
    return _pick(language, {
        ZH: (f"退款申请已提交:{ticket_number}",
             f"您对交易 {transaction_id} 的退款申请已提交,工单号 {ticket_number}。接下来:\n"
             "1. KDPay 审核您的申请,如需证明材料(订单号、支付截图)会再联系您。\n"
             "2. 审核通过后,款项通常退回原支付方式。\n"
             f"您可随时凭工单号 {ticket_number} 查询进度,结果会通过短信或邮件通知您。"),
        EN: (f"Refund requested: {ticket_number}",
             f"Your refund request for transaction {transaction_id} is in; your ticket is "
             f"{ticket_number}. What happens next:\n"
             "1. KDPay reviews the request and contacts you if proof (order number, payment "
             "screenshot) is needed.\n"
             "2. Once approved, the money normally goes back to your original payment method.\n"
             f"Ask about progress any time with ticket {ticket_number}; the result is sent to you "
             "by SMS or e-mail."),
    })


def account_locked_notice(language: str) -> Notice:
    return _pick(language, {
        ZH: ("您的 KDPay 账户已锁定",
             "应您的要求,您的 KDPay 账户已锁定:在解锁前无法登录、付款或转账。"
             "需要解锁时,请联系客服并完成身份验证。如果这不是您本人的操作,请立即联系客服。"),
        EN: ("Your KDPay account is locked",
             "As you asked, your KDPay account is locked: nobody can sign in, pay or transfer "
             "until it is unlocked. To unlock it, contact support and verify your identity. "
             "If this wasn't you, contact support right away."),
    })
