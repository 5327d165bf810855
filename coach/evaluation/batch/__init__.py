"""`coach eval run --batch`: an eval run whose drafting calls go through the Batch API.

session.py (the command: start, resume, report), driver.py (the rounds), drafter.py (the pipeline's
LLM seam during a replay), client.py (the Batch API over the openai SDK), lines.py (the JSONL),
store.py (the run's state in SQLite), plan.py (which scenarios, one file at a time), records.py and
report.py (results.jsonl and the reports built from it).
"""
