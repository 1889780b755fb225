from channels.history import visible_messages


def test_user_and_bot_messages_in_order_with_button_titles():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "你好", "timestamp": 1},
        {"event": "bot", "text": "你好!", "timestamp": 2, "data": {"buttons": [{"title": "重置密码", "payload": "/faq/password_reset"}]}},
        {"event": "user", "text": "/faq/password_reset", "timestamp": 3},
        {"event": "slot", "name": "language", "value": "zh"},
        {"event": "bot", "text": "步骤如下", "timestamp": 4},
    ]
    assert visible_messages(events) == [
        {"sender": "user", "text": "你好", "timestamp": 1},
        {"sender": "bot", "text": "你好!", "timestamp": 2, "quick_replies": [{"title": "重置密码", "payload": "/faq/password_reset"}]},
        {"sender": "user", "text": "重置密码", "timestamp": 3},
        {"sender": "bot", "text": "步骤如下", "timestamp": 4},
    ]


def test_html_stays_text():
    events = [{"event": "user", "text": "<img src=x onerror=alert(1)>", "timestamp": 1}]
    assert visible_messages(events)[0]["text"] == "<img src=x onerror=alert(1)>"


def test_an_agents_reply_is_marked_with_the_agents_name_and_metadata_stays_out():
    events = [{"event": "bot", "text": "Hi, I'm Mei", "timestamp": 5, "metadata": {"agent_name": "Mei", "x": "secret"}}]
    assert visible_messages(events) == [{"sender": "agent", "text": "Hi, I'm Mei", "timestamp": 5, "agent_name": "Mei"}]
