"""The package's own data files (word lists, wordings, readings), read as YAML."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def data_yaml(*parts: str) -> Any:
    """The parsed YAML file coach/data/<parts...> (UTF-8)."""
    path = resources.files("coach").joinpath("data", *parts)
    return yaml.safe_load(path.read_text(encoding="utf-8"))
