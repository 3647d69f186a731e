"""The HTTP edge shared by every function: routing from the route table, auth, errors -> status codes."""
