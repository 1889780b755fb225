"""The whole handoff in real browsers: a customer in the widget, an agent in the console.

Two browser contexts (Debian's Chromium driven by Playwright) against the
real servers. Screenshots go to var/test-output/screenshots/.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from agent_helpers import handoff_for, handoff_record, new_agent
from test_browser_widget import SCREENSHOTS, ask, browser, open_chat  # noqa: F401 (browser is a fixture)


@pytest.fixture
def customer_page(browser: Browser, bot) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{bot.url}/")
    yield page
    context.close()


@pytest.fixture
def agent_page(browser: Browser, bot) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_a_customer_is_helped_by_an_agent_then_rates_and_is_back_with_the_bot(customer_page: Page, agent_page: Page, bot):
    customer = customer_page
    messages = customer.locator("#kdpay-messages")
    open_chat(customer)
    ask(customer, "I want to talk to a human agent")
    expect(messages).to_contain_text("in the queue", timeout=20_000)
    session_id = customer.evaluate("localStorage.getItem('kdpay_assist_session')")
    handoff = handoff_for(bot, session_id)

    mei = new_agent(bot, "Mei")
    agent = agent_page
    agent.goto(f"{bot.url}/webhooks/agent/")
    agent.fill("#login", mei["login"])
    agent.fill("#password", mei["password"])
    agent.click("#sign-in")
    expect(agent.locator("#me")).to_contain_text("Mei", timeout=10_000)
    entry = agent.locator(f"#queue button[data-id='{handoff}']")
    expect(entry).to_be_visible(timeout=10_000)
    entry.click()
    transcript = agent.locator("#transcript")
    expect(transcript).to_contain_text("I want to talk to a human agent", timeout=10_000)
    expect(agent.locator("#context")).to_contain_text("human_handoff")
    agent.click("#claim")
    expect(agent.locator("#reply-form")).to_be_visible(timeout=10_000)
    agent.locator("#canned button").first.click()
    expect(agent.locator("#reply-text")).not_to_have_value("")
    agent.fill("#reply-text", "Hi, I'm Mei from KDPay. How can I help?")
    agent.click("#send")

    reply = customer.locator("#kdpay-messages .kdpay-msg.kdpay-agent").last
    expect(reply).to_contain_text("How can I help?", timeout=10_000)
    expect(reply.locator(".kdpay-agent-name")).to_have_text("Agent Mei")
    expect(transcript.locator("li.agent").last).to_contain_text("How can I help?", timeout=10_000)

    bot_messages_before = customer.locator("#kdpay-messages .kdpay-msg.kdpay-bot").count()
    ask(customer, "My refund for last week has not arrived")
    expect(transcript.locator("li.user").last).to_have_text("CustomerMy refund for last week has not arrived",
                                                            timeout=10_000)
    customer.wait_for_timeout(1500)
    assert customer.locator("#kdpay-messages .kdpay-msg.kdpay-bot").count() == bot_messages_before
    customer.screenshot(path=str(SCREENSHOTS / "handoff-customer.png"))
    agent.screenshot(path=str(SCREENSHOTS / "handoff-agent-console.png"))

    agent.click("#resolve")
    expect(messages).to_contain_text("How would you rate the agent?", timeout=10_000)
    five = customer.locator(".kdpay-quick-replies button", has_text="5").last
    expect(five).to_be_enabled()
    five.click()
    expect(messages).to_contain_text("Thank you for your rating", timeout=10_000)
    assert handoff_record(bot, handoff).rating == 5
    ask(customer, "how do I reset my password?")
    expect(messages).to_contain_text("Forgot password?", timeout=20_000)
    expect(agent.locator(f"#queue button[data-id='{handoff}']")).to_have_count(0, timeout=10_000)
