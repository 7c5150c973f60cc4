"""The `intapp` command: the root group in `root`, one module per group of subcommands.

Each module keeps its heavy imports inside the command functions, so `intapp --help`
stays quick.
"""

from intapp.cli.root import main, run

__all__ = ["main", "run"]
