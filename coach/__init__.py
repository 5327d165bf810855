"""coach: an LLM-backed reply coach for customer-service agents."""

from coach import ast_guard as _ast_guard

_ast_guard.install()

__version__ = "0.1.0"
