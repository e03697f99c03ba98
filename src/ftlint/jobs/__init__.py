"""Talking to fine-tuning services: the only package that imports ``openai`` or touches a network.

It reaches the linter and the estimate only through the session's public results. Every request
that creates something (a file, a job) is made with the client's own retries off and is preceded
by discovery (local state, then the server's own lists), so a retry after an uncertain outcome
adopts what the server already stored instead of creating it twice.
"""
