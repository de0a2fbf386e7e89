"""The metro last mile, as arithmetic: which buses a train's riders can catch. No database.

A train arriving at the metro station is a wave of riders; they need `MIN_TRANSFER_S` to walk
from the platform to the bus stop, and are not asked to wait longer than `MAX_WAIT_S`. A bus
leaving the station's stop inside [arrival + MIN_TRANSFER_S, arrival + MAX_WAIT_S] connects
with the train. A delayed train breaks a timetabled connection when its riders reach the stop
after the bus left (delayed arrival + MIN_TRANSFER_S > departure) and no other bus of the same
line leaves within the longest wait of the delayed arrival: then the riders of that line are
stranded, and the bus is flagged. A bus of the same line a few minutes later takes them, so
that is no break (the planner sees the longer wait instead)."""

from dataclasses import dataclass, field

# Platform to bus bay at 青山湖科技城: the station's exit and the stop about 150 m apart (demo
# positions), 3 min at walking pace with the stairs.
MIN_TRANSFER_S = 3 * 60
# The longest wait a timetabled connection asks of a rider (a planner's rule of thumb; the
# documents give none).
MAX_WAIT_S = 15 * 60
# A delay longer than this is a suspended service, not a delay to plan buses around.
MAX_DELAY_MIN = 180


@dataclass(frozen=True)
class Bus:
    """A bus trip leaving the station's stop: its trip, its line and when (seconds after
    midnight)."""

    trip_id: int
    line_id: int
    departs_s: int


@dataclass
class Wave:
    """One train's arrival and the buses for it."""

    arrival_id: int
    arrives_s: int  # the timetable's
    delay_s: int = 0
    timetabled: list[Bus] = field(default_factory=list)  # connecting by the timetable
    catchable: list[Bus] = field(default_factory=list)  # reachable at the expected arrival
    broken: list[Bus] = field(default_factory=list)  # timetabled, missed, no bus of its line

    @property
    def expected_s(self) -> int:
        return self.arrives_s + self.delay_s

    @property
    def connected(self) -> bool:
        return bool(self.catchable)

    @property
    def wait_s(self) -> int | None:
        """From the (expected) arrival to the first bus its riders can catch."""
        if not self.catchable:
            return None
        return min(bus.departs_s for bus in self.catchable) - self.expected_s


def _within(buses: list[Bus], arrives_s: int) -> list[Bus]:
    earliest, latest = arrives_s + MIN_TRANSFER_S, arrives_s + MAX_WAIT_S
    return sorted(
        (bus for bus in buses if earliest <= bus.departs_s <= latest),
        key=lambda bus: (bus.departs_s, bus.line_id, bus.trip_id),
    )


def wave(arrival_id: int, arrives_s: int, buses: list[Bus], delay_s: int = 0) -> Wave:
    """The wave of one train against the buses leaving its station's stop."""
    found = Wave(arrival_id, arrives_s, delay_s)
    found.timetabled = _within(buses, arrives_s)
    found.catchable = _within(buses, found.expected_s) if delay_s else list(found.timetabled)
    reached = found.expected_s + MIN_TRANSFER_S
    lines_caught = {bus.line_id for bus in found.catchable}
    found.broken = [
        bus
        for bus in found.timetabled
        if reached > bus.departs_s and bus.line_id not in lines_caught
    ]
    return found
