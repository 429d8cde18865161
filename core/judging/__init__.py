"""Grading batch answers: assertions, a judge model's verdicts, and their statistics.

assertions  deterministic per-row checks (contains, regex, JSON, latency, cost)
prompts     what the judge is asked (pointwise against a rubric or reference,
            pairwise against a baseline answer)
verdicts    reading the judge's reply: a score, a five-level verdict, or
            "malformed" / "refused", which are never counted as a score
stats       Wilson and Student-t 95 % intervals
report      a batch's summary per column, per-row verdicts and the judge's board
"""
