from parkpilot.plugins import TileData


def card(user, park) -> dict:
    return {"park": park.code}


def carbon_section(user, *, park, per) -> dict:
    return {"park": park.code, "period": per.label}


def report_section(*, enterprise, per) -> dict:
    return {
        "text": f"example report section of {enterprise.name} for {per.label}",
        "figures": [{"key": "answer", "name": "答案", "unit": "", "value": 42}],
    }


def tile(user, park) -> TileData:
    return TileData(value=42, caption=f"answer of {park.code}")


CONFIRMED: list[dict] = []  # what the handler was told, read back by check_plugged.py


def on_request_confirmed(**payload) -> None:
    CONFIRMED.append(payload)
