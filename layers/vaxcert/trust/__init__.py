"""Keys and trust material, pure (no AWS, no tables): our CSCA and DSC X.509 certificates (signed through
a callable, so the keys stay in KMS), JWK conversions, the trust list and JWKS documents, SMART Health
Card keys and the deployment's configured (DIVOC) keys, all over `vaxcert.types.trust.TrustEntry`."""
