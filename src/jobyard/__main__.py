"""``python -m jobyard`` is the ``jobyard`` command."""

from jobyard.cli import main

if __name__ == "__main__":
    main()
