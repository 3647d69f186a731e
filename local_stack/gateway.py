"""A small local API Gateway: HTTP request -> REST API proxy event -> the same handler -> HTTP response.

Routing comes from vaxcert.routes (the table the CDK stack builds API Gateway from). It also serves
the web page and the local-only endpoints /health, /_local/sms and /docs (Swagger UI of
/v1/openapi.json, from the swagger-ui-bundle dev dependency: no CDN, and never deployed).
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_stack.lambda_runtime import LocalLambdas
from vaxcert.routes import WEB_PAGES, match, web_content_security_policy

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# The headers CloudFront adds to the web files (infra/web.py), so pages meet the same policy locally.
WEB_HEADERS = {
    "Content-Security-Policy": web_content_security_policy(os.environ.get("AWS_REGION", "us-east-1")),
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "X-Content-Type-Options": "nosniff",
}
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
DOCS_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vaxcert API (local)</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
"""
DOCS_INIT = 'window.ui = SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#swagger-ui"});\n'
# Without the dev dependency: a plain list of the operations, from the same document.
DOCS_FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vaxcert API (local)</title></head>
<body><h1>vaxcert API</h1><p><a href="/v1/openapi.json">openapi.json</a></p><ul id="ops"></ul>
<script>fetch("/v1/openapi.json").then(r => r.json()).then(doc => {
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const li = document.createElement("li");
    li.textContent = `${method.toUpperCase()} ${path} (${op["x-vaxcert-auth"]})`;
    document.getElementById("ops").append(li);
  }
});</script></body></html>
"""


def swagger_ui_dir() -> Path | None:
    try:
        import swagger_ui_bundle  # dev dependency: the local stack only
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def proxy_event(
    method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    found = match(method, urlsplit(raw_path).path)
    assert found is not None
    route, params = found
    query = parse_qs(urlsplit(raw_path).query, keep_blank_values=True)
    text: str | None
    try:
        text, is_b64 = (body.decode("utf-8"), False) if body else (None, False)
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    now = time.time()
    return {
        "resource": route.path,
        "path": urlsplit(raw_path).path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": method,
            "path": "/local" + urlsplit(raw_path).path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(now * 1000),
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "accountId": "000000000000",
            "apiId": "local",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


class SmsLog:
    """The SMS that moto's SNS accepted, with the time each was first seen (moto keeps none)."""

    def __init__(self, messages: Callable[[], dict[str, tuple[str, str]]]):
        self._messages = messages
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def snapshot(self) -> list[dict[str, str]]:
        with self._lock:
            out = []
            for message_id, (to, text) in list(self._messages().items()):
                sent_at = self._seen.setdefault(
                    message_id, datetime.now(UTC).isoformat(timespec="milliseconds")
                )
                out.append({"to": to, "message": text, "sentAt": sent_at, "messageId": message_id})
            return out


class Gateway:
    def __init__(self, lambdas: LocalLambdas, sms_log: SmsLog):
        self.lambdas = lambdas
        self.sms_log = sms_log
        # Set once demo data and .local/credentials.json are in place: until then /health says
        # "starting", so `make run &` + polling /health never reads a credentials file not yet written.
        self.ready = threading.Event()

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "vaxcert-local"
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # request lines carry query strings (mobile numbers): keep them out of the console

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, status: int, data: Any) -> None:
                self._send(status, {"Content-Type": "application/json"}, json.dumps(data).encode())

            def _handle(self) -> None:
                path = urlsplit(self.path).path
                if self.command == "GET" and path == "/health":
                    if not gateway.ready.is_set():
                        return self._json(503, {"status": "starting"})
                    return self._json(200, {"status": "ok"})
                if self.command == "GET" and path == "/_local/sms":
                    return self._json(200, gateway.sms_log.snapshot())
                if self.command in ("GET", "HEAD") and (path == "/docs" or path.startswith("/docs/")):
                    return self._docs(path)
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    self.close_connection = True
                    return self._json(400, {"message": "Bad Request: invalid Content-Length"})
                if length > MAX_BODY:
                    # The body is not read: close, or its bytes would be parsed as the next request.
                    self.close_connection = True
                    return self._json(413, {"message": "Request Too Long"})
                body = self.rfile.read(length) if length else b""
                if match(self.command, path):
                    return self._invoke(path, body)
                if self.command in ("GET", "HEAD"):
                    return self._static(path)
                return self._json(404, {"message": "Not Found"})

            def _invoke(self, path: str, body: bytes) -> None:
                found = match(self.command, path)
                assert found is not None
                event = proxy_event(
                    self.command, self.path, dict(self.headers.items()), body, self.client_address[0]
                )
                try:
                    result = gateway.lambdas.invoke(found[0].function, event)
                except Exception:
                    # What API Gateway answers when the function itself fails.
                    traceback.print_exc()
                    return self._json(502, {"message": "Internal server error"})
                headers = dict(result.get("headers") or {})
                for name, values in (result.get("multiValueHeaders") or {}).items():
                    headers[name] = ", ".join(values)
                payload = result.get("body") or ""
                data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
                self._send(int(result["statusCode"]), headers, data)

            def _docs(self, path: str) -> None:
                html = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
                root = swagger_ui_dir()
                if path in ("/docs", "/docs/"):
                    return self._send(200, html, (DOCS_PAGE if root else DOCS_FALLBACK).encode())
                name = path.removeprefix("/docs/")
                if name == "init.js":
                    return self._send(200, {"Content-Type": "text/javascript"}, DOCS_INIT.encode())
                if root is None or name not in DOCS_FILES:
                    return self._json(404, {"message": "Not Found"})
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if name.endswith(".js"):
                    content_type = "text/javascript"
                headers = {"Content-Type": content_type, "Cache-Control": "max-age=3600"}
                return self._send(200, headers, (root / name).read_bytes())

            def _static(self, path: str) -> None:
                name = WEB_PAGES.get(path.rstrip("/") or "/", path.lstrip("/"))
                file = (WEB_ROOT / name).resolve()
                if not file.is_file() or WEB_ROOT.resolve() not in file.parents:
                    return self._json(404, {"message": "Not Found"})
                content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                if file.suffix == ".js":
                    content_type = "text/javascript"
                headers = {"Content-Type": content_type, "Cache-Control": "no-cache", **WEB_HEADERS}
                self._send(200, headers, file.read_bytes())

            def do_GET(self) -> None:
                self._handle()

            def do_HEAD(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        return server
