"""The meter simulator: the demo park's points (plan), their loads (profiles), readings and
faults (engine), and the live loop with the history back-fill (runner)."""
