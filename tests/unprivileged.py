"""Run a command as if permissions applied to it: root loses the capabilities that override them."""

import os

WITHOUT_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
"""Prefix for a command line: under root, file modes then bind it like any other user."""
