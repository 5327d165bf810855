"""One router per feature; app.py includes them all."""
