"""The stack this project replaces, as a benchmark peer: a Flask app whose
metrics are the seed's two families, recorded in before/after-request hooks
the way the seed did it, served by gunicorn.

It serves the routes the benchmark loads with the same bodies as app-core,
so both sides do the same work per request apart from the stack itself.
"""

import time

from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

ITEMS = [
    {"id": 1, "name": "widget", "price_cents": 250},
    {"id": 2, "name": "gadget", "price_cents": 1000},
    {"id": 3, "name": "gizmo", "price_cents": 4200},
]

REQUESTS = Counter(
    "flask_http_requests_total",
    "Total HTTP requests",
    ["method", "endpoint", "http_status"],
)
LATENCY = Histogram(
    "flask_http_request_latency_seconds",
    "HTTP request latency in seconds",
    ["method", "endpoint"],
)

app = Flask(__name__)
app.json.sort_keys = False
app.json.compact = True


@app.before_request
def start_timer():
    g.started = time.perf_counter()


@app.after_request
def record(response):
    # The route template, not the raw path, keeps series bounded as in the
    # native service; unmatched paths share one label value.
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    return response


@app.get("/")
def root():
    return Response(
        "app: one Rust handler, native and edge. Try /api/items, /healthz, /metrics.\n",
        mimetype="text/plain",
    )


@app.get("/api/items")
def items():
    return jsonify(ITEMS)


@app.get("/api/items/<item_id>")
def item(item_id):
    for candidate in ITEMS:
        if str(candidate["id"]) == item_id:
            return jsonify(candidate)
    return jsonify(error="item not found", status=404), 404


@app.get("/healthz")
def healthz():
    return Response("ok\n", mimetype="text/plain")


@app.get("/metrics")
def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
