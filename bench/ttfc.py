#!/usr/bin/env python3
"""Time to first chunk of a streamed chat completion, one keep-alive connection, sequential.

usage: ttfc.py URL [N] [Header: value ...]
  URL  the chat completions endpoint (http://127.0.0.1:PORT/v1/chat/completions)
  N    requests (default 2000; the first 10% are warm-up and not counted)
Prints p50/p90/p99 of the time from the request's last byte sent to the first SSE data line,
and of the time to the whole stream, in microseconds. The client's own cost is the same for
every target, so compare targets measured by this script in the same run (bench/streams.sh).
"""
import socket
import sys
import time
from urllib.parse import urlsplit

BODY = (b'{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":'
        b'"Explain in two sentences why an AI gateway should add little latency."}],"max_tokens":256}')


def main():
    url = urlsplit(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    headers = "".join(h + "\r\n" for h in sys.argv[3:])
    head = (f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            f"{headers}Content-Length: {len(BODY)}\r\n\r\n").encode()
    request = head + BODY
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    first, whole = [], []
    for i in range(n):
        sock.sendall(request)
        start = time.perf_counter_ns()
        data = b""
        seen_first = None
        # Chunked or not, the stream ends with "data: [DONE]" followed by a blank line (and, when
        # chunked, the terminating zero-length chunk).
        while True:
            piece = sock.recv(65536)
            if not piece:
                raise SystemExit("connection closed by the server")
            data += piece
            if seen_first is None and b"\ndata: {" in data:
                seen_first = time.perf_counter_ns()
            if b"data: [DONE]" in data and (b"\r\n0\r\n\r\n" in data or b"transfer-encoding: chunked" not in data.lower()):
                break
        end = time.perf_counter_ns()
        if b" 200 " not in data[:16]:
            raise SystemExit("unexpected response: " + data[:200].decode(errors="replace"))
        if i >= n // 10:
            first.append((seen_first - start) / 1000)
            whole.append((end - start) / 1000)
    sock.close()

    def pct(values, p):
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * p / 100))]

    print("ttfc_us p50=%.0f p90=%.0f p99=%.0f  full_us p50=%.0f p99=%.0f  n=%d" % (
        pct(first, 50), pct(first, 90), pct(first, 99), pct(whole, 50), pct(whole, 99), len(first)))


if __name__ == "__main__":
    main()
