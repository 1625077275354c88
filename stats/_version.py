"""Engine version stored with every analysis (bump on any change to numbers or verdicts).

2.0.0: score (Miettinen–Nurminen) intervals for conversions, Fieller for relative means,
group-sequential early looks (Lan-DeMets spending), structured verdicts, exact fast Bayes.
"""

ENGINE_VERSION = "2.0.0"
