"""Models of the energy app."""
