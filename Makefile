# The static checks CI runs before the tests: formatting, lint, types and the import layers.
.PHONY: check format

check:
	ruff format --check .
	ruff check .
	mypy
	lint-imports

# Rewrites the code into the checked format and applies ruff's safe fixes.
format:
	ruff format .
	ruff check --fix .
