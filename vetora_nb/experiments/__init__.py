"""The notebooks' experiments: the architectures they build and the runs they make, by topic.

Each module holds what one topic runs — an architecture with the knobs a
notebook turns exposed (``failure.shop(style, retries=...)``), and the
runs and sweeps its experiments make — and nothing it draws or shows.
Exercises, verdicts and panels all build on these, so a notebook, its
panel and its grader run the very same experiment.
"""
