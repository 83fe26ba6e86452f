"""Loopback receivers for alerting tests: an HTTP server that records every
request (and can answer with failures or slowly), and an SMTP sink."""
import http.server
import threading
import time

from aiosmtpd.controller import Controller


class HttpReceiver:
    """Records requests; `script[prefix]` is a list of statuses answered in
    turn to requests whose path starts with prefix (200 once it runs out or
    forever for `always[prefix]`); `delay[prefix]` slows answers down."""

    def __init__(self, port):
        self.port = port
        self.base = "http://127.0.0.1:%d" % port
        self.requests = []
        self.script = {}
        self.always = {}
        self.delay = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                arrived = time.time()
                status = receiver.status_for(self.path)
                delay = receiver.delay_for(self.path)
                with receiver.lock:
                    receiver.requests.append({
                        "method": self.command, "path": self.path,
                        "headers": dict(self.headers), "body": body,
                        "time": arrived, "status": status})
                if delay:
                    time.sleep(delay)
                payload = b"ok" if status < 300 else b"nope"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def status_for(self, path):
        with self.lock:
            for prefix, statuses in self.script.items():
                if path.startswith(prefix) and statuses:
                    return statuses.pop(0)
            for prefix, status in self.always.items():
                if path.startswith(prefix):
                    return status
        return 200

    def delay_for(self, path):
        for prefix, d in self.delay.items():
            if path.startswith(prefix):
                return d
        return 0

    def matching(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """Keeps every message delivered to it."""

    def __init__(self, port):
        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append({
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "data": envelope.content,
                    "time": time.time()})
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()

    def close(self):
        self.controller.stop()
