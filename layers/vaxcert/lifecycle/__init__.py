"""The certificate lifecycle after issuance: corrections, revocation, the signed revocation list."""
