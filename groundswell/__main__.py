"""`python -m groundswell`: the same CLI as the `groundswell` console script (pyproject's `groundswell.cli:main`)."""

from groundswell.cli import main

if __name__ == "__main__":
    main()
