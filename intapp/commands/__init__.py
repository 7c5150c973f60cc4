"""Click commands beyond the core ones in `intapp.cli`, one module per concern.

Each module keeps its heavy imports inside the command functions, so `intapp --help`
stays quick.
"""
