"""``python -m sbkit`` is the ``sbkit`` command."""

from sbkit.cli.app import main

main()
