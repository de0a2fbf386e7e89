def load(*, park, data, report) -> None:
    return None
