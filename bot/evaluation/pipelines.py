"""The NLU pipelines and dialogue policies compared by `make eval`.

Every variant is derived from the live config.yml at run time (not a frozen
copy), so the comparison always starts from what the bot really uses while
others keep tuning it. The derived files are written next to the report.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import yaml

Config = Dict[str, Any]


def load_config(path: Path) -> Config:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _components(config: Config, name: str) -> List[Dict[str, Any]]:
    return [c for c in config["pipeline"] if c.get("name") == name]


def without_char_ngrams(config: Config) -> Config:
    """The current pipeline minus the char_wb CountVectorsFeaturizer."""
    changed = copy.deepcopy(config)
    changed["pipeline"] = [
        c for c in changed["pipeline"]
        if not (c.get("name") == "CountVectorsFeaturizer" and c.get("analyzer") == "char_wb")
    ]
    if len(changed["pipeline"]) == len(config["pipeline"]):
        raise ValueError("config.yml has no char_wb CountVectorsFeaturizer to remove")
    return changed


def with_diet_epochs(epochs: int) -> Callable[[Config], Config]:
    """The current pipeline with DIET trained for `epochs` (is 40 really needed?)."""

    def change(config: Config) -> Config:
        changed = copy.deepcopy(config)
        for component in _components(changed, "DIETClassifier"):
            component["epochs"] = epochs
        return changed

    return change


def with_fewer_epochs(config: Config, diet: int, selector: int) -> Config:
    """For the smoke run: same components, far fewer epochs."""
    changed = copy.deepcopy(config)
    for component in _components(changed, "DIETClassifier"):
        component["epochs"] = min(diet, component.get("epochs", diet))
    for component in _components(changed, "ResponseSelector"):
        component["epochs"] = min(selector, component.get("epochs", selector))
    return changed


def with_ted_policy(config: Config) -> Config:
    """The current policies plus TEDPolicy (same max_history as the memoization)."""
    changed = copy.deepcopy(config)
    history = next(
        (p.get("max_history", 5) for p in changed["policies"] if p.get("name") == "MemoizationPolicy"),
        5,
    )
    changed["policies"].append(
        {"name": "TEDPolicy", "max_history": history, "epochs": 100, "constrain_similarities": True,
         "random_seed": 42}
    )
    return changed


# (name, what it is, transformation of config.yml)
NLU_VARIANTS: List[Tuple[str, str, Callable[[Config], Config]]] = [
    ("current", "config.yml as is", lambda config: copy.deepcopy(config)),
    ("no_char_wb", "config.yml without the char_wb 1-4 CountVectorsFeaturizer", without_char_ngrams),
    ("diet_20_epochs", "config.yml with DIET 20 epochs instead of 40", with_diet_epochs(20)),
]


def write_config(config: Config, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True, sort_keys=False)
    return path
