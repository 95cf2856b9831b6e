import sys

from conformance.sim.cli import main

sys.exit(main())
