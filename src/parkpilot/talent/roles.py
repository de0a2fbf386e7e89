"""The talent app's own role: the pool's lending bank's staff (a person of the bank's
enterprise row), who see and act on only the pool's loans that bank holds."""

TALENT_BANK = "talent_bank"
