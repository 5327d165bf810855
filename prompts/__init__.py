"""coach's bundled prompt templates (installed as the package coach.bundled_prompts).

reply/ and repair/ hold Jinja2 templates with YAML front matter, one file per version
(v1.md.j2, v2.md.j2, ...); coach.prompts loads them. COACH_PROMPTS_DIR points at a copy to edit.
"""
