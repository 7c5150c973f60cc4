"""`python -m intapp`: the same command as `intapp`."""

from intapp.cli import run

if __name__ == "__main__":
    run()
