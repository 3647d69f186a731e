"""Signing keys held in KMS: the document signer (DSC) and the trust material around it."""
