"""``python -m harmonybench`` (what ``torchrun ... -m harmonybench run`` launches)."""

from harmonybench.cli import main

if __name__ == "__main__":
    main()
