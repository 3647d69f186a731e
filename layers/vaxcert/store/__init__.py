"""Data access: DynamoDB (pynamodb models), S3 and SQS behind small classes the domain code calls."""
