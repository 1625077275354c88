"""Engine version stored with every analysis (bump on any change to numbers or verdicts)."""

ENGINE_VERSION = "1.0.0"
