"""coach: an LLM-backed reply coach for customer-service agents."""

__version__ = "0.1.0"
