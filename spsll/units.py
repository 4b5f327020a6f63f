"""Unit factors: the API is SI; tables, plots and networks' normalised scales use these.

Multiply a value in the named unit by the factor to get SI (``5 * NM`` is 5 nm in metres);
divide an SI value by it to show it (``f / THZ`` in THz).
"""
NM = 1e-9    #: metres per nanometre
GHZ = 1e9    #: hertz per gigahertz
THZ = 1e12   #: hertz per terahertz
PS = 1e-12   #: seconds per picosecond
