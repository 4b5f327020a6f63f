"""Physics layer: material, defect statistics, field terms, integrators and the observables'
recipes (dispersion, domain wall, explicit vacancies, solver-in-the-loop fits).

Knows no files, networks, plots or command line.
"""
