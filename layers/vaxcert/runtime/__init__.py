"""Process-wide wiring for the Lambda functions: settings, tables bound, adapters built once per cold start."""
