"""Small YAML chores of `nix run .#up`, kept out of the shell script.

  local_stack.py alertmanager-address PROMETHEUS_LOCAL_YML
      prints host:port of the Alertmanager the local Prometheus alerts.
  local_stack.py webhook-addresses ALERTMANAGER_LOCAL_YML
      prints host:port of every loopback webhook receiver it notifies.
  local_stack.py grafana RENDERED_PROVISIONING OUT_DIR PROMETHEUS_URL ALERTMANAGER_URL DASHBOARDS_DIR
      copies the rendered Grafana provisioning, pointing the datasources at
      the local processes and the dashboard provider at the rendered
      dashboards; uids, names and everything else stay as rendered.
  local_stack.py receiver HOST:PORT
      a webhook receiver that prints every notification Alertmanager sends.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from urllib.parse import urlsplit

import yaml


def alertmanager_address(path):
    with open(path, encoding="utf-8") as stream:
        config = yaml.safe_load(stream)
    targets = [
        target
        for manager in config.get("alerting", {}).get("alertmanagers", [])
        for group in manager.get("static_configs", [])
        for target in group.get("targets", [])
    ]
    if len(targets) != 1:
        sys.exit(f"{path}: expected one Alertmanager target, found {targets}")
    print(targets[0])


def webhook_addresses(path):
    with open(path, encoding="utf-8") as stream:
        config = yaml.safe_load(stream)
    addresses = {
        f"{url.hostname}:{url.port}"
        for receiver_config in config.get("receivers", [])
        for webhook in receiver_config.get("webhook_configs", [])
        for url in [urlsplit(webhook.get("url", ""))]
        if url.hostname in ("127.0.0.1", "localhost") and url.port
    }
    for address in sorted(addresses):
        print(address)


def grafana(source, out, prometheus_url, alertmanager_url, dashboards):
    urls = {"prometheus": prometheus_url, "alertmanager": alertmanager_url}
    for kind in ("datasources", "dashboards"):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        folder = os.path.join(source, kind)
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as stream:
                config = yaml.safe_load(stream)
            for datasource in config.get("datasources", []):
                if datasource.get("type") not in urls:
                    sys.exit(f"{name}: datasource type {datasource.get('type')!r} has no local address")
                datasource["url"] = urls[datasource["type"]]
            for provider in config.get("providers", []):
                provider.setdefault("options", {})["path"] = dashboards
            with open(os.path.join(out, kind, name), "w", encoding="utf-8") as stream:
                yaml.safe_dump(config, stream, sort_keys=False)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            payload = json.loads(body)
            for alert in payload.get("alerts", []):
                labels = alert.get("labels", {})
                print(
                    f"alert {alert.get('status')}: {labels.get('alertname')} "
                    f"severity={labels.get('severity')} job={labels.get('job')}",
                    flush=True,
                )
        except ValueError:
            print(f"alert receiver: not JSON: {body[:200]!r}", flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_):
        pass


def receiver(address):
    host, port = address.rsplit(":", 1)
    ThreadingHTTPServer((host, int(port)), Receiver).serve_forever()


COMMANDS = {
    "alertmanager-address": alertmanager_address,
    "webhook-addresses": webhook_addresses,
    "grafana": grafana,
    "receiver": receiver,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
