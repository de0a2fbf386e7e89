"""Energy's events for the layers above it."""

from django.dispatch import Signal

# Sent by services.point_move inside its transaction, with `park` and `effective_at`. A
# receiver returns the labels of its periods the move reaches that are already closed (carbon:
# their snapshots stay; the change shows as "arrived since closing" until staff recompute).
point_moved = Signal()
