"""`python -m guidemo`: the same as the `guidemo` command."""

import sys

from guidemo.cli import main

if __name__ == "__main__":
    sys.exit(main())
