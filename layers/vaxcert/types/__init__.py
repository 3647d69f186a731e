"""Plain shared value types and ports: what several layers pass between them (certificates, trust
entries, audit entries, stored OTPs, staff principals, event states) and the protocols the data
access layer implements for the domain. No logic beyond the values' own properties, no I/O."""
