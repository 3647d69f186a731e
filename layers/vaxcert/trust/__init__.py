"""Trust material: CSCA and DSC X.509 certificates for keys held in KMS (pure, no AWS)."""
