"""Plain shared value types and ports: what several layers pass between them (certificates, trust
entries, audit entries, stored OTPs, staff principals, event states, the issuance-delay buckets) and
the protocols the data-access layer implements for issuance. Values and their own properties only: no
I/O, no services."""
