# KDPay Assist. `make run` sets everything up and starts the bot; `make test`
# runs every test. Both create the virtualenv and train the model if needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_VERSION := $(shell cat .python-version)
PYTHON_BIN ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PY_VERSION)/bin/python3 /root/.pyenv/versions/$(PY_VERSION)/bin/python3) $(shell command -v python3.10 2>/dev/null))
VENV := .venv
BIN := $(abspath $(VENV))/bin
MODEL := models/kdpay.tar.gz

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning
export KDPAY_RASA_PORT ?= 5005
export KDPAY_ACTIONS_PORT ?= 5055

# Everything the trained model depends on: retrain only when one changes.
TRAINING_INPUTS := config.yml domain.yml data/faq_responses.yml \
	$(wildcard data/*.yml data/nlu/*.yml bot/nlu/*.py bot/nlu/jieba_dict/*) bot/entities.py

.PHONY: help install faq train db agent browser run shell telegram-dev test smoke validate story-test pytest eval eval-smoke clean

help:
	@echo "make run    set up (virtualenv, model) and start the bot on http://localhost:$(KDPAY_RASA_PORT)"
	@echo "make test   run every test"
	@echo "make shell  chat with the bot in the terminal"
	@echo "make agent LOGIN=mei NAME=\"Mei Chen\"  create a support agent for the console"
	@echo "make telegram-dev  run the bot for Telegram by polling (needs KDPAY_TELEGRAM_TOKEN)"

$(VENV)/.installed: requirements.lock pyproject.toml .python-version
	@test -n "$(PYTHON_BIN)" || { echo "Python $(PY_VERSION) is missing: pyenv install $(PY_VERSION)"; exit 1; }
	$(PYTHON_BIN) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $@

install: $(VENV)/.installed

data/faq_responses.yml: faq/answers.yml faq/contact.yml faq/actions.yml bot/faq.py | install
	$(BIN)/python -m bot.faq

faq: data/faq_responses.yml

$(MODEL): $(TRAINING_INPUTS) | install
	$(BIN)/rasa train --fixed-model-name kdpay --out models
	touch $@

train: $(MODEL)

# Debian's Chromium for the browser tests (Playwright cannot download its own
# browser here) and a CJK font so screenshots show Chinese.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium && test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-wqy-zenhei; }

# Creates the SQLite database (or the one in KDPAY_DATABASE_URL), migrates it
# and adds the demo customers; safe to run again.
db: install
	$(BIN)/python -m bot.backend.demo_data

# A support agent for the console at /webhooks/agent/:
#   make agent LOGIN=mei NAME="Mei Chen"
# The password comes from KDPAY_AGENT_PASSWORD, or is asked for (twice).
agent: db
	@test -n "$(LOGIN)" -a -n "$(NAME)" || { echo 'usage: make agent LOGIN=mei NAME="Mei Chen"'; exit 2; }
	$(BIN)/python -m bot.backend.agents create $(LOGIN) "$(NAME)"

run: $(MODEL) db
	@mkdir -p var
	@echo "Starting KDPay Assist: action server on :$(KDPAY_ACTIONS_PORT), Rasa on :$(KDPAY_RASA_PORT)"
	@$(BIN)/rasa run actions --actions actions --port $(KDPAY_ACTIONS_PORT) & actions=$$!; \
	trap "kill $$actions 2>/dev/null" EXIT INT TERM; \
	echo "Open http://localhost:$(KDPAY_RASA_PORT)/ (demo help center with the chat widget), or"; \
	echo "  curl -s localhost:$(KDPAY_RASA_PORT)/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"忘记密码怎么办\"}'"; \
	$(BIN)/rasa run --model $(MODEL) --port $(KDPAY_RASA_PORT) \
		--credentials credentials.yml --endpoints endpoints.yml

shell: $(MODEL) db
	@$(BIN)/rasa run actions --actions actions --port $(KDPAY_ACTIONS_PORT) >/dev/null 2>&1 & actions=$$!; \
	trap "kill $$actions 2>/dev/null" EXIT INT TERM; \
	$(BIN)/rasa shell --model $(MODEL) --endpoints endpoints.yml

# Telegram without a public HTTPS address: the servers as in `make run`, plus a
# poller that fetches updates and posts them to the server's webhook route
# (channels/telegram_polling.py). A webhook secret is made up if none is set.
telegram-dev: $(MODEL) db
	@test -n "$$KDPAY_TELEGRAM_TOKEN" || { echo "Set KDPAY_TELEGRAM_TOKEN (from @BotFather) first."; exit 1; }
	@export KDPAY_TELEGRAM_WEBHOOK_SECRET="$${KDPAY_TELEGRAM_WEBHOOK_SECRET:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')}"; \
	$(BIN)/rasa run actions --actions actions --port $(KDPAY_ACTIONS_PORT) & actions=$$!; \
	$(BIN)/python -m channels.telegram_bot poll & poller=$$!; \
	trap "kill $$actions $$poller 2>/dev/null" EXIT INT TERM; \
	$(BIN)/rasa run --model $(MODEL) --port $(KDPAY_RASA_PORT) \
		--credentials credentials.yml --endpoints endpoints.yml

validate: data/faq_responses.yml | install
	$(BIN)/python -m bot.faq --check
	$(BIN)/rasa data validate --fail-on-warnings

story-test: $(MODEL)
	$(BIN)/rasa test core --e2e --model $(MODEL) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out var/results/stories

pytest: $(MODEL) browser
	$(BIN)/pytest

test: validate story-test pytest

# What CI runs after `make test`: the short versions of the evaluation, the
# benchmark, the soak and the two-server production-profile test.
smoke: eval-smoke bench-smoke soak-smoke scale-test

# The production profile on this machine (README, "Running in production"):
# two Rasa servers + an action server on the local PostgreSQL and Redis. Takes
# minutes (two model loads), so plain `make test` skips it.
.PHONY: scale-test
scale-test: $(MODEL)
	KDPAY_SCALE_TEST=1 $(BIN)/pytest tests/test_scale_out.py -ra

# Evaluation report in results/eval/ (report.md, metrics.json, confusion.png):
# `make eval` cross-validates three NLU pipelines (5 folds), compares the policies
# with TEDPolicy and runs the end-to-end flows (about 45 min on 2 cores); `make eval-smoke`
# is the few-minute CI version and fails if held-out accuracy drops below 90%.
eval: $(MODEL)
	$(BIN)/python -m bot.evaluation --out results/eval

eval-smoke: $(MODEL)
	$(BIN)/python -m bot.evaluation --smoke --out results/eval

# Performance (README "Performance"): scripts that print numbers and write
# results/bench/. `make bench` times training, loads the real servers with
# 1/10/50/200 customers over REST and socket.io and compares with Rasa's
# default pipeline (most of an hour on a quiet 2-core machine, mostly
# training); `make bench-smoke` is the CI size (< 2 min, fails on any error).
# `make soak` holds 200 customers for SOAK_MINUTES, then reconciles every
# conversation's tracker with what its client saw; `make soak-smoke`: 20 for 20 s.
# They use models/kdpay.tar.gz as it is (trained only if missing): `make train` first.
.PHONY: bench bench-smoke soak soak-smoke
BENCH_MODEL := $(if $(wildcard $(MODEL)),,$(MODEL))
SOAK_MINUTES ?= 3

bench: $(BENCH_MODEL)
	$(BIN)/python -m bot.benchmark bench --out results/bench

bench-smoke: $(BENCH_MODEL)
	$(BIN)/python -m bot.benchmark bench --smoke --out results/bench/smoke

soak: $(BENCH_MODEL)
	$(BIN)/python -m bot.benchmark soak --minutes $(SOAK_MINUTES) --out results/bench

soak-smoke: $(BENCH_MODEL)
	$(BIN)/python -m bot.benchmark soak --smoke --out results/bench/smoke

clean:
	rm -rf models var .rasa results
