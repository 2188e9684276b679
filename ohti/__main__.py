import sys

from ohti.cli import main

sys.exit(main())
