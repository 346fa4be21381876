"""OneWindow's performance bench: the chassis's hot paths against raw baselines, in one run.

    uv run --frozen python -m bench            full run (about 4-5 minutes on 2 cores)
    uv run --frozen python -m bench --quick    smoke run (under a minute)

See bench/README.md for what each row measures.
"""
