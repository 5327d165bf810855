"""The prompt templates: the registry (registry.py), the template file loader (loader.py) and the
private notes rendered from the data beside the templates (notes.py). The templates themselves
live in the top-level prompts/ folder (installed as coach.bundled_prompts)."""

from coach.prompts.registry import (
    DEFAULT_REPAIR,
    DEFAULT_REPLY,
    LANGUAGE_NAMES,
    PromptRegistry,
    build_context,
    parse_ref,
    sample_context,
)

__all__ = [
    "DEFAULT_REPAIR", "DEFAULT_REPLY", "LANGUAGE_NAMES", "PromptRegistry", "build_context", "parse_ref", "sample_context",
]
