"""Models of the cockpit app."""
