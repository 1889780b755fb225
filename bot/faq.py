"""The FAQ knowledge in `faq/`, and the Rasa responses generated from it.

`faq/answers.yml` holds every FAQ answer once, zh and en side by side;
`faq/contact.yml` holds the operator's contact details; `faq/actions.yml`
the labels of what the bot can do. `python -m bot.faq` writes
`data/faq_responses.yml` (the `utter_faq/*` responses and the topic menu);
`python -m bot.faq --check` fails when that file is out of date.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.language import EN, ZH

PROJECT_DIR = Path(__file__).resolve().parent.parent
FAQ_DIR = PROJECT_DIR / "faq"
RESPONSES_FILE = PROJECT_DIR / "data" / "faq_responses.yml"
LANGUAGE_SLOT = "language"
# The topics offered in the greeting menu, in this order, after the FAQ topics.
MENU_ACTIONS = ("check_status", "human_handoff")


@dataclass(frozen=True)
class Bilingual:
    """One text in both languages."""

    zh: str
    en: str

    def __getitem__(self, language: str) -> str:
        return self.en if language == EN else self.zh

    @classmethod
    def from_yaml(cls, value: Any) -> "Bilingual":
        if isinstance(value, str):
            return cls(value, value)
        return cls(str(value[ZH]), str(value[EN]))


@dataclass(frozen=True)
class Button:
    payload: str
    title: Bilingual


@dataclass(frozen=True)
class FaqEntry:
    topic: str
    title: Bilingual
    answer: Bilingual
    offer: Optional[Button]

    @property
    def payload(self) -> str:
        return f"/faq/{self.topic}"


def _read_yaml(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def load_contact(faq_dir: Path = FAQ_DIR) -> Dict[str, Bilingual]:
    return {k: Bilingual.from_yaml(v) for k, v in _read_yaml(faq_dir / "contact.yml").items()}


def load_faq(faq_dir: Path = FAQ_DIR) -> List[FaqEntry]:
    """The FAQ entries with the operator's contact details filled in."""
    contact = load_contact(faq_dir)
    entries = []
    for topic, raw in _read_yaml(faq_dir / "answers.yml").items():
        answer = Bilingual.from_yaml(raw["answer"])
        filled = Bilingual(
            answer.zh.format(**{k: v.zh for k, v in contact.items()}),
            answer.en.format(**{k: v.en for k, v in contact.items()}),
        )
        offer = raw.get("offer")
        entries.append(
            FaqEntry(
                topic=topic,
                title=Bilingual.from_yaml(raw["title"]),
                answer=filled,
                offer=Button(offer["payload"], Bilingual.from_yaml(offer["title"]))
                if offer
                else None,
            )
        )
    return entries


def load_action_labels(faq_dir: Path = FAQ_DIR) -> Dict[str, Bilingual]:
    return {k: Bilingual.from_yaml(v) for k, v in _read_yaml(faq_dir / "actions.yml").items()}


def topic_buttons(faq_dir: Path = FAQ_DIR) -> Dict[str, Button]:
    """Every topic a customer can pick, by intent name (`faq/...` or action intent)."""
    buttons = {f"faq/{e.topic}": Button(e.payload, e.title) for e in load_faq(faq_dir)}
    for intent, label in load_action_labels(faq_dir).items():
        buttons[intent] = Button(f"/{intent}", label)
    return buttons


def _variations(text: Bilingual, buttons: List[Button]) -> List[Dict[str, Any]]:
    """A zh default variation and an en variation conditioned on the language slot."""
    variations = []
    for language in (ZH, EN):
        variation: Dict[str, Any] = {"text": text[language]}
        if language == EN:
            variation = {
                "condition": [{"type": "slot", "name": LANGUAGE_SLOT, "value": EN}],
                **variation,
            }
        if buttons:
            variation["buttons"] = [
                {"title": b.title[language], "payload": b.payload} for b in buttons
            ]
        variations.append(variation)
    return variations


def build_responses(faq_dir: Path = FAQ_DIR) -> Dict[str, List[Dict[str, Any]]]:
    entries = load_faq(faq_dir)
    responses = {
        f"utter_faq/{e.topic}": _variations(e.answer, [e.offer] if e.offer else [])
        for e in entries
    }
    labels = load_action_labels(faq_dir)
    menu = [Button(e.payload, e.title) for e in entries] + [
        Button(f"/{intent}", labels[intent]) for intent in MENU_ACTIONS
    ]
    responses["utter_topics"] = _variations(
        Bilingual("你可以点选下面的话题,或直接输入你的问题:", "Pick a topic below, or just type your question:"),
        menu,
    )
    return responses


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line answers as readable `|` blocks."""


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def render_responses_file(faq_dir: Path = FAQ_DIR) -> str:
    header = (
        "# GENERATED by `python -m bot.faq` from faq/answers.yml, faq/contact.yml and\n"
        "# faq/actions.yml. Do not edit: change faq/ and run `make faq`.\n"
    )
    body = {"version": "3.1", "responses": build_responses(faq_dir)}
    return header + yaml.dump(
        body, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=1000
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if out of date")
    args = parser.parse_args(argv)
    rendered = render_responses_file()
    current = RESPONSES_FILE.read_text(encoding="utf-8") if RESPONSES_FILE.exists() else ""
    if args.check:
        if current != rendered:
            print(f"{RESPONSES_FILE} is out of date: run `make faq`.", file=sys.stderr)
            return 1
        return 0
    if current != rendered:
        RESPONSES_FILE.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
