"""The guideline knowledge base: ingest, clean, chunk, index (BM25 + glossary + vectors), retrieve.

Public:
- load_knowledge_base(settings) -> KnowledgeBase   (cached on disk, keyed by corpus and code)
- build_knowledge_base(documents) -> KnowledgeBase (in memory)
- KnowledgeBase: search(query, k), search_turns(turns, k), get(id), passages
"""

from coach.knowledge.kb import KnowledgeBase
from coach.knowledge.loader import build_knowledge_base, load_knowledge_base

__all__ = ["KnowledgeBase", "build_knowledge_base", "load_knowledge_base"]
