"""Certificate formats: pure functions and models, no AWS.

ddcc (WHO DDCC:VS core data set) -> eu_dcc (EU DCC 1.3 payload) -> hc1 (CWT, COSE_Sign1, zlib, Base45).
"""
