"""A local stand-in for Google Translate's speech endpoint, reached the way gTTS reaches Google.

gTTS sends its HTTPS requests through the proxies of the environment and does not verify
certificates, so this server is an HTTP proxy: it accepts ``CONNECT translate.google.*:443``,
answers the tunnel with TLS (a throwaway certificate from ``trustme``) and then replies to
the ``batchexecute`` POST like Google does. Nothing of gTTS is faked; only the far end is.
"""
from __future__ import annotations

import base64
import http.server
import json
import re
import socketserver
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import numpy as np
import trustme

from radio.audio.export import write_mp3

TONE_HZ = 440.0
RATE = 24000


def tone_mp3(seconds: float, tmp_dir) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    path = tmp_dir / f"tone-{seconds:.2f}.mp3"
    write_mp3((0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32), RATE, path, 64)
    return path.read_bytes()


@dataclass
class Request:
    at: float
    host: str
    text: str
    #: When the client asked the proxy for its tunnel: right after the engine decided to
    #: send, before the TLS handshake whose length a loaded machine stretches.
    connected_at: float = 0.0


@dataclass
class FakeGoogle:
    """``behaviour`` is consumed one answer per request; the last one repeats.

    Answers: "ok", an HTTP status such as 429 or 503, or "hang" (answer after the client's
    timeout)."""
    tmp_dir: object
    behaviour: list = field(default_factory=lambda: ["ok"])
    hang_s: float = 1.5
    requests: list[Request] = field(default_factory=list)

    def answer_for(self) -> object:
        index = min(len(self.requests) - 1, len(self.behaviour) - 1)
        return self.behaviour[index]


def _spoken_text(body: bytes) -> str:
    form = urllib.parse.parse_qs(body.decode())
    rpc = json.loads(form["f.req"][0])
    return json.loads(rpc[0][0][1])[0]


def make_handler(fake: FakeGoogle, tls: ssl.SSLContext):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output clean
            pass

        def do_CONNECT(self):
            self.connected_at = time.monotonic()
            self.send_response(200, "Connection established")
            self.end_headers()
            self.tunnel_host = self.path.split(":")[0]
            self.connection = tls.wrap_socket(self.connection, server_side=True)
            self.rfile = self.connection.makefile("rb")
            self.wfile = socketserver._SocketWriter(self.connection)
            self.close_connection = False

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            text = _spoken_text(body)
            fake.requests.append(Request(time.monotonic(), getattr(self, "tunnel_host", ""), text,
                                         getattr(self, "connected_at", 0.0)))
            answer = fake.answer_for()
            if answer == "hang":
                time.sleep(fake.hang_s)
                answer = "ok"
            if answer == "ok":
                self._reply(200, self._google_body(text))
            else:
                self._reply(int(answer), b"<html>Error</html>", {"Retry-After": "0"})

        def _google_body(self, text: str) -> bytes:
            seconds = 0.2 * max(1, len(re.findall(r"\w+", text)))
            audio = base64.b64encode(tone_mp3(seconds, fake.tmp_dir)).decode()
            line = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None,
                                "generic"]], separators=(",", ":"))
            return f")]}}'\n\n{len(line)}\n{line}\n".encode()

        def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True  # the client gave up (timeout)

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve(fake: FakeGoogle) -> tuple[Server, str]:
    authority = trustme.CA()
    certificate = authority.issue_cert("translate.google.com.vn", "translate.google.com")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(tls)
    server = Server(("127.0.0.1", 0), make_handler(fake, tls))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
