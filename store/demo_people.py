"""The demo's people: names, nicknames and email addresses, drawn from a random stream of
their own (``Random(f"{seed}:names")``), so that a seed's grades, sites, loans and charges do
not depend on them.

Names are as varied as a real school's at any size of demo: Reset Patron Accounts' First
Initial + Last Name clashes for a few percent of patrons, at 300 patrons as at a million. A
surname is drawn by rank from a Zipf-like law over the common surnames, then the made-up
ones (demo_names.SURNAME_PARTS), then double surnames; the law stretches with the number of
patrons, so no surname is shared by more patrons in a big demo than in a small one."""

from __future__ import annotations

import functools
import math
import random
import re

from .demo_names import FIRST, HOME_DOMAINS, NICKNAMES, SCHOOL_DOMAINS, SURNAME_PARTS, SURNAMES
from .usernames import fold_username

# Surname ranks r are drawn with weight 1/(r + k) over 0 <= r < M, k = HEAD * patrons and
# M = k + SPREAD * patrons: some 3% of patrons then share a first initial and last name
# with another (the sum of squared weights is 0.14 / k; times the first initials' 0.063
# and the patrons: 0.035, less the double surnames, which hardly ever clash).
HEAD, SPREAD = 0.25, 3.0
# The two halves of a double surname are drawn as a school of PART_HEAD / HEAD patrons
# would draw theirs (García-Lindqvist, Smith-Okafor: mostly common names).
PART_HEAD = 125
DOUBLE = 0.04  # patrons given a double surname whatever the rank drawn
NICKNAMED = 0.5  # of the patrons whose first name has a usual nickname
_TRIPLED = re.compile(r"(.)\1\1")
INITIALS = "ABCDEFGHJKLMNPRSTW"


@functools.cache
def surnames() -> tuple[str, ...]:
    """Every single surname by rank: the common ones as listed, then the made-up ones in an
    order fixed once (shuffled, so that neighbouring ranks mix the traditions)."""
    made = set()
    for roots, endings in SURNAME_PARTS:
        for root in roots:
            for ending in endings:
                if ending.lower() in root.lower() or root.lower() in ending.lower():
                    continue  # Bergberg, Salosalo, Tata
                made.add(_TRIPLED.sub(r"\1\1", root + ending).replace("_", " "))
    ordered = sorted(made - set(SURNAMES))  # sorted: a set's order changes from run to run
    random.Random("surnames").shuffle(ordered)
    return tuple(SURNAMES) + tuple(ordered)


class People:
    """Draws the demo's patrons one by one: ``person()``, then ``emails(...)``."""

    def __init__(self, seed: int, patrons: int):
        self.rng = random.Random(f"{seed}:names")
        self.names = surnames()
        self.head = max(HEAD * patrons, 1.0)
        self.growth = (self.head + SPREAD * max(patrons, 1)) / self.head
        self.part_growth = (PART_HEAD + len(self.names)) / PART_HEAD
        self.taken: dict[str, int] = {}  # address → how many asked for it

    def _rank(self, head: float, growth: float) -> int:
        """A rank of weight 1/(rank + head), below head * (growth - 1), by inverse CDF."""
        return int(head * growth ** self.rng.random() - head)

    def _double(self) -> str:
        first = self._rank(PART_HEAD, self.part_growth)
        second = first
        while second == first:
            second = self._rank(PART_HEAD, self.part_growth)
        return f"{self.names[first]}-{self.names[second]}"

    def surname(self) -> str:
        rank = self._rank(self.head, self.growth)
        if self.rng.random() < DOUBLE:
            return self._double()
        if rank < len(self.names):
            return self.names[rank]
        return self._beyond(rank - len(self.names))

    def _beyond(self, n: int) -> str:
        """The n-th double surname past the single ones: every pair of two single surnames
        once, the pairs of commoner ones first (Cantor's diagonals), so that a demo of a
        million draws them as it draws single ones, and they clash no more often."""
        diagonal = (math.isqrt(8 * n + 1) - 1) // 2
        y = n - diagonal * (diagonal + 1) // 2
        x = diagonal - y
        count = len(self.names)  # past some 9 million patrons, pairs come round again
        first, second = self.names[x % count], self.names[(x + 1 + y) % count]
        return f"{first}-{second}" if diagonal % 2 else f"{second}-{first}"

    def person(self) -> tuple[str, str, str, str]:
        """(first, middle, last name, nickname) of the next patron."""
        first = self.rng.choice(FIRST)
        last = self.surname()
        roll = self.rng.random()
        if roll < 0.45:
            middle = ""
        elif roll < 0.55:
            middle = self.rng.choice(INITIALS) + "."
        else:
            middle = self.rng.choice(FIRST)
        nickname = NICKNAMES.get(first, "")
        if nickname and self.rng.random() >= NICKNAMED:
            nickname = ""
        return first, middle if middle != first else "", last, nickname

    def emails(
        self, first: str, last: str, site: str, staff: bool, graduated: bool, count: int
    ) -> list[str]:
        """``count`` addresses, each unique in the demo: the first at the school's domain
        (first.last for a student, flast for staff; a graduate's at home), the others at
        home."""
        given, family = fold_username(first), fold_username(last)
        addresses = []
        for position in range(count):
            if position == 0 and not graduated:
                local = f"{given[0]}{family}" if staff else f"{given}.{family}"
                domain = SCHOOL_DOMAINS[site]
            else:
                local = f"{family}.family" if position == 2 else f"{given}.{family}"
                domain = HOME_DOMAINS[position % 2]
            addresses.append(self._unique(local, domain))
        return addresses

    def _unique(self, local: str, domain: str) -> str:
        """jose.nunez@…, then jose.nunez2@… (a name never holds a digit, so never clashes)."""
        key = f"{local}@{domain}"
        seen = self.taken.get(key, 0) + 1
        self.taken[key] = seen
        return key if seen == 1 else f"{local}{seen}@{domain}"
