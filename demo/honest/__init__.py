"""Honest behaviour per source: what cadres, residents and phones do when nobody pads.

Why: the detectors must separate padding from the honest behaviour around it,
so the honest events carry the noise real ones do (habits, jitter, car trips,
office NAT, late deliveries).
"""
