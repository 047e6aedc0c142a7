"""Real HTTP servers for tests and benchmarks, on 127.0.0.1.

- :mod:`tests.support.openai_responder`: a minimal OpenAI-compatible server (zero latency,
  deterministic answers derived from the request); ``serve(port=0) -> (url, stop)``.
- :mod:`tests.support.fault_proxy`: a reverse proxy that injects faults (5xx, 429 with
  ``Retry-After``, dropped connections, stalls, malformed JSON) on a seeded fraction of
  requests and counts what it received, forwarded and delivered.
- :mod:`tests.support.httpserver`: the small HTTP/1.1 server both are built on.

Both servers run in a background thread (their own event loop) or as a subprocess
(``python -m tests.support.openai_responder --port N``, ``python -m tests.support.fault_proxy
--upstream URL --port N``); each prints its URL as its first line of output.
"""
