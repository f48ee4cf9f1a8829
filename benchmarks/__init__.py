"""Benchmarks for flask-oauth-provider, run as ``python -m benchmarks``.

They build equivalent apps in one process — ours, Authlib's, a bare-Flask "floor"
(and Flask-OAuthlib's in a side process when it can be imported) — on the same
database, and measure them in the same run. Nothing here is a test: no timing is
asserted anywhere in ``tests/``. See ``benchmarks/results.md`` for the last run.
"""
