"""`python -m hub_client`: the same as the `hub-client` command."""

import sys

from hub_client.cli import main

sys.exit(main())
