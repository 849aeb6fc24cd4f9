"""Operators for tests that are not about logging in."""
from store.security import ALL_PERMISSIONS, UTILITIES, Operator

# A district administrator: level 0, every permission. No patron has id 0.
ADMIN = Operator(0, "tester", "Test Operator", "District Administrator", 0, frozenset(ALL_PERMISSIONS))
# A library aide: level 2, may run the everyday utilities only.
AIDE = Operator(0, "aide", "Test Aide", "Library Aide", 2, frozenset({UTILITIES}))
