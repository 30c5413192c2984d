"""``python -m kg`` runs the kg command line."""

from kg.cli import main

main()
