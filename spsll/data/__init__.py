"""Data layer: sampling plans, resumable HDF5 stores, dataset generation and torch datasets.

Uses the physics layer; knows no networks, plots or widgets.
"""
