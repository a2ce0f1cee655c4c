"""``python -m zonemap`` and the ``zonemap`` command."""

from .cli import main_exit

if __name__ == "__main__":
    main_exit()
