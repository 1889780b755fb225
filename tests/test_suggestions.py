from bot.suggestions import likely_topics

TOPICS = {"faq/password_reset", "faq/refund_policy", "faq/dispute_process", "reset_password", "request_refund", "human_handoff"}


def test_offers_the_two_best_topics_skipping_non_topics():
    ranking = [{"name": "greet"}, {"name": "request_refund"}, {"name": "out_of_scope"}, {"name": "reset_password"}]
    assert likely_topics(ranking, None, TOPICS) == ["request_refund", "reset_password"]


def test_an_faq_guess_is_spelled_out_with_the_best_faq_topic():
    ranking = [{"name": "faq"}, {"name": "request_refund"}]
    faq = [{"intent_response_key": "faq/refund_policy"}, {"intent_response_key": "faq/password_reset"}]
    assert likely_topics(ranking, faq, TOPICS) == ["faq/refund_policy", "request_refund"]


def test_never_offers_the_same_topic_twice_or_unknown_ones():
    ranking = [{"name": "faq"}, {"name": "faq"}, {"name": "bogus"}]
    faq = [{"intent_response_key": "faq/unknown"}, {"intent_response_key": "faq/dispute_process"}]
    assert likely_topics(ranking, faq, TOPICS) == ["faq/dispute_process"]
