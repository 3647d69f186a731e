"""Certificate formats: pure functions and models, no AWS (one exception: hc1 names vaccines from the
deployment's catalogue file, read once).

ddcc (WHO DDCC:VS core data set) -> eu_dcc (EU DCC 1.3 payload) -> hc1 (CWT, COSE_Sign1, zlib, Base45).
"""
