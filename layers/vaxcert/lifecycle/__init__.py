"""The certificate lifecycle after issuance: corrections, revocation, the signed revocation list
(`publisher` signs it with the KMS-held DSC and stores it through the data-access layer)."""
