"""The local stack: moto (server mode) for AWS, a local API gateway and the issue queue worker.

Same handlers, same route table, same resource definitions as the CDK stack; no Docker.
"""
