"""vaxcert: WHO DDCC:VS vaccination certificates on AWS Lambda.

Flow: sources (CommCare form) -> formats.ddcc (DDCC record) -> formats.hc1 (signed HC1)
-> store (DynamoDB/S3) -> notify (SMS).
"""
