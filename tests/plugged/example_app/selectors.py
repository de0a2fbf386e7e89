from parkpilot.plugins import TileData


def card(user, park) -> dict:
    return {"park": park.code}


def tile(user, park) -> TileData:
    return TileData(value=42, caption=f"answer of {park.code}")
