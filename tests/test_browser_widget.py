"""The widget in a real browser (Debian's Chromium driven by Playwright) against the real servers.

Screenshots go to var/test-output/screenshots/.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make browser` installs Debian's package.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, bot) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.goto(f"{bot.url}/")
    yield opened
    context.close()


def open_chat(page: Page) -> None:
    page.click("#kdpay-launcher")
    expect(page.locator("#kdpay-panel")).to_be_visible()
    expect(page.locator("#kdpay-input")).to_be_enabled(timeout=15_000)


def ask(page: Page, text: str) -> None:
    page.fill("#kdpay-input", text)
    page.keyboard.press("Enter")


def last_bot_message(page: Page):
    return page.locator("#kdpay-messages .kdpay-msg.kdpay-bot").last


def test_faq_in_chinese_and_english_and_a_quick_reply(page: Page):
    open_chat(page)
    ask(page, "忘记密码怎么办?")
    expect(page.locator("#kdpay-messages")).to_contain_text("忘记密码?", timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "faq-zh.png"))
    ask(page, "how do international transfers work?")
    expect(page.locator("#kdpay-messages")).to_contain_text("exchange rate", timeout=20_000)
    ask(page, "hello")
    menu = page.locator(".kdpay-quick-replies button", has_text="Refund policy").last
    expect(menu).to_be_enabled(timeout=20_000)
    menu.click()
    expect(page.locator("#kdpay-messages")).to_contain_text("original payment method", timeout=20_000)
    expect(menu).to_be_disabled()
    page.screenshot(path=str(SCREENSHOTS / "quick-reply-en.png"))


def test_reload_shows_the_conversation_so_far(page: Page):
    open_chat(page)
    ask(page, "客服电话是多少")
    expect(page.locator("#kdpay-messages")).to_contain_text("官方号码", timeout=20_000)
    page.reload()
    open_chat(page)
    expect(page.locator("#kdpay-messages .kdpay-msg.kdpay-user .kdpay-text").first).to_have_text("客服电话是多少", timeout=15_000)
    expect(page.locator("#kdpay-messages")).to_contain_text("官方号码")


def test_html_in_a_message_is_shown_as_text(page: Page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_chat(page)
    ask(page, "<img src=x onerror=alert(1)>")
    expect(page.locator("#kdpay-messages .kdpay-msg.kdpay-user .kdpay-text").last).to_have_text("<img src=x onerror=alert(1)>")
    expect(last_bot_message(page)).to_be_visible(timeout=20_000)
    assert page.locator("#kdpay-messages img").count() == 0
    assert dialogs == []


def test_signed_in_customer_gets_a_reset_link(page: Page):
    page.select_option("#demo-customer", "C-1002")
    page.click("#demo-signin")
    expect(page.locator("body")).to_contain_text("Signed in as", timeout=10_000)
    open_chat(page)
    ask(page, "please send me a password reset link")
    expect(page.locator("#kdpay-messages")).to_contain_text("a***@example.com", timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "account-action-signed-in.png"))


def test_phone_sized_screen_gets_a_full_screen_panel(browser: Browser, bot):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    page.goto(f"{bot.url}/")
    open_chat(page)
    box = page.locator("#kdpay-panel").bounding_box()
    assert box["width"] == pytest.approx(375, abs=1) and box["height"] == pytest.approx(667, abs=1)
    assert page.eval_on_selector("#kdpay-input", "e => getComputedStyle(e).fontSize") == "16px"
    ask(page, "what is your refund policy")
    expect(page.locator("#kdpay-messages")).to_contain_text("Refunds depend", timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "phone.png"))
    context.close()


def test_keyboard_only_and_screen_reader_hooks(page: Page):
    page.focus("#kdpay-launcher")
    page.keyboard.press("Enter")
    expect(page.locator("#kdpay-input")).to_be_enabled(timeout=15_000)
    assert page.get_attribute("#kdpay-messages", "aria-live") == "polite"
    assert page.locator("label[for='kdpay-input']").count() == 1
    page.keyboard.press("Escape")
    expect(page.locator("#kdpay-panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "kdpay-launcher"


def test_replies_that_arrive_while_the_panel_is_closed_show_an_unread_badge(page: Page):
    open_chat(page)
    page.fill("#kdpay-input", "退款政策是什么")
    # Send and close in one tick: a cached answer can arrive within milliseconds, before a
    # separate Escape key press, and would then already have been read.
    page.evaluate("() => { document.querySelector('#kdpay-send').click(); window.KDPayAssist.close(); }")
    expect(page.locator("#kdpay-panel")).to_be_hidden()
    expect(page.locator("#kdpay-badge")).to_be_visible(timeout=20_000)
    assert int(page.inner_text("#kdpay-badge")) >= 1
    page.click("#kdpay-launcher")
    expect(page.locator("#kdpay-badge")).to_be_hidden()
