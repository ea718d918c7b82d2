#!/usr/bin/env python3
"""Time to first chunk of streamed completions, one keep-alive connection per target, sequential.

usage: ttfc.py [--body JSON] URL [N] [Header: value ...]
       ttfc.py --targets FILE [N]
  URL      a streaming endpoint: .../v1/chat/completions, or .../v1/messages (Anthropic's wire)
  N        requests per target (default 2000; the first 10% are warm-up and not counted)
  --body   the request (default: a short streamed chat completion for gpt-4o-mini)
  --targets  one target per line, tab-separated: NAME, URL, BODY, then its headers; the targets'
           requests are interleaved (one request to each, in a new random order every round), so
           slow drift on a shared machine reaches every target alike, and no target always
           follows the same one (a gateway request right after a direct one meets an idler machine)
Prints p50/p90/p99 of the time from the request's last byte sent to the first content chunk (a
chat chunk with text, or a content_block_delta with text) and of the time to the whole stream
(through [DONE], or message_stop), in microseconds; with --targets one line per target, after
its name. The client's own cost is the same for every target, so compare targets measured by
this script in the same run (bench/streams.sh, bench/dialects.sh).
"""
import random
import re
import socket
import sys
import time
from urllib.parse import urlsplit

CHAT_BODY = ('{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":'
             '"Explain in two sentences why an AI gateway should add little latency."}],"max_tokens":256}')

# Per wire: the first chunk that carries text, and the event that ends the stream.
CHAT_WIRE = (re.compile(rb'"content":"[^"]'), b"data: [DONE]")
MESSAGES_WIRE = (re.compile(rb'"type":"text_delta"'), b'"type":"message_stop"')


class Target:
    def __init__(self, name, url, body, headers):
        self.name = name
        parts = urlsplit(url)
        self.first_content, self.last_event = MESSAGES_WIRE if parts.path.endswith("/messages") else CHAT_WIRE
        body = body.encode()
        head = "".join(h + "\r\n" for h in headers)
        self.request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                        f"{head}Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.first, self.whole = [], []

    def measure(self, counted):
        self.sock.sendall(self.request)
        start = time.perf_counter_ns()
        data = b""
        seen_first = None
        # Chunked or not, the stream ends with its last event followed by a blank line (and, when
        # chunked, the terminating zero-length chunk).
        while True:
            piece = self.sock.recv(65536)
            if not piece:
                raise SystemExit(f"{self.name}: connection closed by the server")
            data += piece
            if seen_first is None and self.first_content.search(data):
                seen_first = time.perf_counter_ns()
            if self.last_event in data and (b"\r\n0\r\n\r\n" in data or b"transfer-encoding: chunked" not in data.lower()):
                break
        end = time.perf_counter_ns()
        if b" 200 " not in data[:16] or seen_first is None:
            raise SystemExit(f"{self.name}: unexpected response: " + data[:300].decode(errors="replace"))
        if counted:
            self.first.append((seen_first - start) / 1000)
            self.whole.append((end - start) / 1000)

    def report(self):
        def pct(values, p):
            values = sorted(values)
            return values[min(len(values) - 1, int(len(values) * p / 100))]

        return "ttfc_us p50=%.0f p90=%.0f p99=%.0f  full_us p50=%.0f p99=%.0f  n=%d" % (
            pct(self.first, 50), pct(self.first, 90), pct(self.first, 99), pct(self.whole, 50), pct(self.whole, 99),
            len(self.first))


def main():
    args = sys.argv[1:]
    named = args[:1] == ["--targets"]
    if named:
        with open(args[1]) as f:
            specs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
        targets = [Target(s[0], s[1], s[2], s[3:]) for s in specs]
        count = args[2:3]
    else:
        body = CHAT_BODY
        if args[:1] == ["--body"]:
            body, args = args[1], args[2:]
        targets = [Target("", args[0], body, args[2:])]
        count = args[1:2]
    n = int(count[0]) if count else 2000
    order = list(targets)
    shuffle = random.Random(12).shuffle  # the same orders every run
    for i in range(n):
        shuffle(order)
        for t in order:
            t.measure(i >= n // 10)
    for t in targets:
        t.sock.close()
        print(("%-34s " % t.name if named else "") + t.report())


if __name__ == "__main__":
    main()
