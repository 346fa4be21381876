"""电子监察: Electronic supervision: case timelines and deadline alerts, rebuilt from all events."""
