"""Process-wide wiring for the Lambda functions: settings and tables bound once per cold start."""
