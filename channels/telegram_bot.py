"""The Telegram channel: python-telegram-bot's handlers inside the Rasa server.

The channel owns a python-telegram-bot `Application` without an updater: it
is initialised and shut down with the Rasa server (Sanic listeners), and
updates reach it through our route `POST /webhooks/telegram/webhook`, which
checks Telegram's secret header, answers 200 at once and handles the update
in the background. In production Telegram posts there (`set-webhook` below);
in development `poll` fetches updates with getUpdates and posts them to the
same route (channels/telegram_polling.py), so both modes run the same code.

Without KDPAY_TELEGRAM_TOKEN the channel is inert: the server starts and the
route answers 503. The token never appears in our URLs or logs.

    python -m channels.telegram_bot set-webhook https://public.host
    python -m channels.telegram_bot poll [--rasa-url http://localhost:5005]
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import sys
import weakref
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import Event, SlotSet
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError, TimedOut
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ContextTypes,
    MessageHandler, filters,
)

from bot.action_failures import run_turn
from bot.backend import telegram_links
from bot.backend.db import transaction
from bot.conversation import LANGUAGE_SLOT
from bot.identity import VERIFIED_CUSTOMER_KEY
from bot.language import DEFAULT_LANGUAGE, normalise_language
from bot.payloads import action_payloads
from bot.phrases import phrase
from bot.settings import Settings, get_settings
from channels import outbound
from channels.conversations import append_events
from channels.gate import allowed_payloads, screen
from channels.telegram_payloads import CallbackPayloads
from channels.telegram_rate_limit import PerChatRateLimiter
from channels.telegram_text import split_text

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Bot API URLs contain the token.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
SENDER_PREFIX = "tg-"
RECENT_UPDATE_IDS = 10_000
SEND_RETRIES = 5  # RetryAfter (429) waits; other faults: channels/telegram_rate_limit.py
# Seconds per Bot API call: a hanging call ends after READ_TIMEOUT and is then
# retried only when that cannot duplicate a message (telegram_rate_limit.py).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
POOL_TIMEOUT = 3.0
GREETING = {"zh": "你好", "en": "hello"}
HANDOFF_PAYLOAD = "/human_handoff"


def build_application(settings: Settings) -> Application:
    """PTB's Application for our token and API server, rate limited, without an updater."""
    api = settings.telegram_api_url.rstrip("/")
    return (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .write_timeout(WRITE_TIMEOUT)
        .pool_timeout(POOL_TIMEOUT)
        .rate_limiter(PerChatRateLimiter(max_retries=SEND_RETRIES))
        .build()
    )


def secret_matches(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison of the webhook secret header."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def user_language(update: Update) -> str:
    """zh or en from the Telegram client's language (zh when it says nothing we support)."""
    user = update.effective_user
    return normalise_language(user.language_code if user else None) or DEFAULT_LANGUAGE


class RecentIds:
    """The last `capacity` update ids, so a re-delivered update is handled once.

    In memory: a restart forgets them, which is fine because Telegram only
    re-delivers updates we did not acknowledge.
    """

    def __init__(self, capacity: int = RECENT_UPDATE_IDS) -> None:
        self.capacity = capacity
        self._ids: "OrderedDict[int, None]" = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True


class TelegramOutput(OutputChannel):
    """Sends Rasa's replies to one chat: long text split, buttons as an inline keyboard.

    With `keep_going` (inside a Rasa turn) a message Telegram did not take,
    after the rate limiter's safe retries, is logged and skipped: raising
    would abort the turn and Rasa would not save the customer's message.
    """

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: Bot, chat_id: int, payloads: CallbackPayloads, keep_going: bool = False) -> None:
        self.bot, self.chat_id, self.payloads = bot, chat_id, payloads
        self.keep_going = keep_going

    async def _send(self, text: str, **kwargs: Any) -> None:
        try:
            await self.bot.send_message(self.chat_id, text, **kwargs)
        except TelegramError as error:
            if not self.keep_going:
                raise
            maybe = " (it may have been delivered; not resent)" if isinstance(error, TimedOut) else ""
            logger.error("A reply to a Telegram chat failed: %s%s.", type(error).__name__, maybe)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for chunk in split_text(text):
            await self._send(chunk)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        rows = [
            [InlineKeyboardButton(str(b["title"]), callback_data=self.payloads.data_for(str(b["payload"])))]
            for b in buttons if b.get("title") and b.get("payload")
        ]
        keyboard = InlineKeyboardMarkup(rows) if rows else None
        chunks = split_text(text) or ["…"]
        for chunk in chunks[:-1]:
            await self._send(chunk)
        await self._send(chunks[-1], reply_markup=keyboard)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        logger.debug("Custom payloads are not shown in Telegram.")


class TelegramInput(InputChannel):
    """Telegram through python-telegram-bot; inert without a token."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls()

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or get_settings()
        self.secret = self.settings.telegram_webhook_secret.get_secret_value()
        self.application: Optional[Application] = None
        self.ready = False
        self.recent = RecentIds()
        self.payloads = CallbackPayloads(action_payloads())
        self._app: Optional[Sanic] = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._chat_locks: "weakref.WeakValueDictionary[int, asyncio.Lock]" = weakref.WeakValueDictionary()
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._payloads_domain: Optional[int] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        webhook = Blueprint("kdpay_telegram_webhook", __name__)

        @webhook.listener("before_server_start")
        async def start(app: Sanic, _loop: Any) -> None:
            self._app = app
            await self.start()

        @webhook.listener("before_server_stop")
        async def stop(_app: Sanic, _loop: Any) -> None:
            await self.stop()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.ready else "inactive"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.ready or not self.secret:
                return response.json({"error": "the Telegram channel is not configured"}, status=503)
            if not secret_matches(request.headers.get(SECRET_HEADER), self.secret):
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = Update.de_json(request.json, self.application.bot)
            except Exception:  # malformed JSON or not an update
                return response.json({"error": "not a Telegram update"}, status=400)
            if update is not None and type(update.update_id) is not int:
                return response.json({"error": "update_id must be an integer"}, status=400)
            if update is not None and self.recent.first_time(update.update_id):
                self._spawn(self._process(update))
            return response.text("ok")

        return webhook

    async def start(self) -> None:
        """Initialise PTB (getMe) when a token is set; any failure leaves the channel inert."""
        if not self.settings.telegram_token.get_secret_value():
            logger.info("KDPAY_TELEGRAM_TOKEN is not set: the Telegram channel is off.")
            return
        if not self.secret:
            logger.warning("KDPAY_TELEGRAM_WEBHOOK_SECRET is not set: Telegram updates will be refused.")
        try:
            application = build_application(self.settings)
            self._add_handlers(application)
            await application.initialize()
            await application.start()
        except Exception as error:
            logger.error("The Telegram channel could not start (%s): it stays off.", type(error).__name__)
            return
        self.application, self.ready = application, True
        outbound.register(self.name(), self.deliver, self.typing)
        logger.info("Telegram channel ready as @%s.", application.bot.username)

    async def stop(self) -> None:
        """Let running updates finish, then shut PTB down."""
        self.ready = False
        outbound.unregister(self.name())
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        if self.application is not None:
            await self.application.stop()
            await self.application.shutdown()
            self.application = None

    async def deliver(self, sender_id: str, message: Dict[str, Any]) -> None:
        """A message outside a turn (channels/outbound.py): an agent's is prefixed with their name."""
        text = str(message.get("text") or "")
        if message.get("sender") == "agent":
            text = f"{message.get('agent_name') or 'Agent'}: {text}"
        output = TelegramOutput(self.application.bot, _chat_id(sender_id), self.payloads)
        buttons = message.get("quick_replies") or []
        if buttons:
            await output.send_text_with_buttons(sender_id, text, buttons)
        else:
            await output.send_text_message(sender_id, text)

    async def typing(self, sender_id: str, on: bool) -> None:
        if on:
            await self.application.bot.send_chat_action(_chat_id(sender_id), ChatAction.TYPING)

    def _add_handlers(self, application: Application) -> None:
        private, new = filters.ChatType.PRIVATE, filters.UpdateType.MESSAGE
        commands = {
            "start": self.on_start, "help": self.on_help, "human": self.on_human,
            "lang": self.on_lang, "unlink": self.on_unlink,
        }
        for command, callback in commands.items():
            application.add_handler(CommandHandler(command, callback, filters=private & new))
        # Other "/" text goes to the gate like any text (it neutralises commands).
        application.add_handler(MessageHandler(private & new & filters.TEXT, self.on_text))
        application.add_handler(CallbackQueryHandler(self.on_button))
        unsupported = filters.UpdateType.EDITED_MESSAGE | (new & ~filters.TEXT)
        application.add_handler(MessageHandler(private & unsupported, self.on_unsupported))
        # Group, supergroup and channel messages match nothing: ignored.
        application.add_error_handler(self.on_error)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, update: Update) -> None:
        """One update, after the previous ones of the same chat (replies keep their order)."""
        chat = update.effective_chat
        key = chat.id if chat else 0
        lock = self._chat_locks.get(key)
        if lock is None:
            lock = self._chat_locks[key] = asyncio.Lock()
        async with lock:
            await self.application.process_update(update)

    # Handlers -----------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._turn(update, update.effective_message.text)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A greeting in the client's language: Rasa answers with the topic menu."""
        await self._turn(update, GREETING[user_language(update)])

    async def on_human(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._turn(update, HANDOFF_PAYLOAD)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, phrase("telegram_help", user_language(update)))

    async def on_lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Store the preference in the conversation's `language` slot."""
        language = normalise_language(context.args[0]) if context.args else None
        if language is None:
            await self._reply(update, phrase("telegram_language_usage", user_language(update)))
            return
        await self._append_events(update, [SlotSet(LANGUAGE_SLOT, language)])
        await self._reply(update, phrase("telegram_language_set", language))

    async def on_unlink(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Forget the link and the conversation's verification."""
        removed = await self._in_database(telegram_links.unlink, update.effective_user.id, _now())
        await self._append_events(update, [SlotSet("customer_verified", False), SlotSet("customer_id", None)])
        key = "telegram_unlinked" if removed else "telegram_not_linked"
        await self._reply(update, phrase(key, user_language(update)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        payload = self.payloads.payload_for(query.data)
        if payload is None:
            await self._reply(update, phrase("telegram_button_expired", user_language(update)))
            return
        await self._turn(update, payload)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, phrase("telegram_unsupported", user_language(update)))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("Telegram update %s failed: %s", update_id, type(context.error).__name__,
                     exc_info=context.error)

    # One conversation turn ---------------------------------------------

    async def _turn(self, update: Update, text: Optional[str]) -> None:
        """Screen the text, run it through Rasa with the linked customer, remember a verification."""
        user, chat_id = update.effective_user, update.effective_chat.id
        sender = f"{SENDER_PREFIX}{user.id}"
        agent = self._agent()
        output = TelegramOutput(self.application.bot, chat_id, self.payloads, keep_going=True)
        self._register_payloads(agent)
        screened = await screen(agent, sender, text, {})
        if screened.reply is not None:
            for message in screened.reply:
                await output.send_response(sender, dict(message))
            return
        linked = await self._linked_customer(user.id)
        metadata = dict(screened.metadata)
        if linked:
            metadata[VERIFIED_CUSTOMER_KEY] = linked  # trusted: from our database
        try:
            await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except Exception:  # only a courtesy
            pass
        await run_turn(  # an apology and an agent offer if the action server fails
            agent, self._on_new_message,
            UserMessage(screened.text, output, sender, input_channel=self.name(), metadata=metadata),
        )
        await self._remember_verification(sender, user.id, linked)

    async def _linked_customer(self, telegram_user_id: int) -> Optional[str]:
        """The linked customer; None when the backend is unreachable (FAQ answers still work)."""
        try:
            return await self._in_database(telegram_links.linked_customer, telegram_user_id)
        except Exception as error:
            logger.warning("Could not read the Telegram link (%s): treating the user as anonymous.",
                           type(error).__name__)
            return None

    async def _remember_verification(self, sender: str, telegram_user_id: int, linked: Optional[str]) -> None:
        """Link the user once the conversation is verified as a customer."""
        tracker = await self._agent().tracker_store.retrieve(sender)
        if tracker is None or not tracker.get_slot("customer_verified"):
            return
        customer = tracker.get_slot("customer_id")
        if customer and customer != linked:
            try:
                await self._in_database(telegram_links.link, telegram_user_id, customer, _now())
            except Exception as error:  # the conversation stays verified; only the link is missing
                logger.warning("Could not link a Telegram user (%s).", type(error).__name__)

    async def _append_events(self, update: Update, events: List[Event]) -> None:
        await append_events(self._agent(), f"{SENDER_PREFIX}{update.effective_user.id}", events)

    async def _reply(self, update: Update, text: str) -> None:
        await TelegramOutput(self.application.bot, update.effective_chat.id, self.payloads).send_text_message(
            "", text
        )

    def _agent(self) -> Any:
        return self._app.ctx.agent

    def _register_payloads(self, agent: Any) -> None:
        """Our own payloads keep their keys for good (once per loaded model)."""
        if id(agent.domain) != self._payloads_domain:
            self.payloads.register(allowed_payloads(agent))
            self._payloads_domain = id(agent.domain)

    async def _in_database(self, function: Callable[..., Any], *arguments: Any) -> Any:
        """Run a backend function in one transaction, off the event loop."""

        def run() -> Any:
            with transaction() as session:
                return function(session, *arguments)

        return await asyncio.to_thread(run)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _chat_id(sender_id: str) -> int:
    """The private chat of a sender id "tg-<user id>" (a private chat's id is the user's)."""
    if not sender_id.startswith(SENDER_PREFIX):
        raise ValueError("not a Telegram sender id")
    return int(sender_id[len(SENDER_PREFIX):])


# Command line ------------------------------------------------------------


def _bot(settings: Settings) -> Bot:
    api = settings.telegram_api_url.rstrip("/")
    return Bot(settings.telegram_token.get_secret_value(), base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


async def set_webhook(settings: Settings, public_url: str) -> str:
    """Point Telegram at our route, with the secret and only the updates we handle."""
    url = public_url.rstrip("/") + WEBHOOK_PATH
    async with _bot(settings) as bot:
        await bot.set_webhook(
            url=url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    return url


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.telegram_bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    hook = commands.add_parser("set-webhook", help="register https://HOST/webhooks/telegram/webhook")
    hook.add_argument("public_url", help="the Rasa server's public https base URL")
    poll = commands.add_parser("poll", help="development: fetch updates and post them to the local server")
    poll.add_argument("--rasa-url", default=None, help="default: http://localhost:$KDPAY_RASA_PORT")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.telegram_token.get_secret_value() or not settings.telegram_webhook_secret.get_secret_value():
        print("Set KDPAY_TELEGRAM_TOKEN and KDPAY_TELEGRAM_WEBHOOK_SECRET first.", file=sys.stderr)
        return 2
    if arguments.command == "set-webhook":
        if not arguments.public_url.startswith("https://"):
            print("Telegram only posts to https:// URLs.", file=sys.stderr)
            return 2
        print(f"Webhook set: {asyncio.run(set_webhook(settings, arguments.public_url))}")
        return 0
    from channels.telegram_polling import poll_forever

    rasa_url = arguments.rasa_url or f"http://localhost:{settings.rasa_port}"
    try:
        asyncio.run(poll_forever(settings, rasa_url))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
