"""Learning layer: the networks, their training and prediction.

Uses the physics and data layers; knows no widgets, plots or command line.
"""
