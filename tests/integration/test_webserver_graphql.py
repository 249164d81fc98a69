"""The Dagster web server really serves the asset graph, the schedule and the sensors over GraphQL,
and the shipped nginx configuration (deploy/nginx/) puts it behind a login.

`dagster-webserver -w workspace.yaml` loads the same workspace as `make dev` (`dagster dev`),
without the daemon and without `prepare_if_dev()` re-parsing dbt, which makes `dagster dev`
take a minute or more to load on a busy 2-core machine."""

import base64
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from cj_pipeline.settings import PROJECT_ROOT
from tests.integration.servers import (
    VENV_BIN,
    dagster_env,
    free_port,
    graphql,
    start_in_own_group,
    stop_group,
    wait_for,
)

pytestmark = pytest.mark.slow

WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError {
          __typename
          ... on RepositoryLocation {
            repositories { name schedules { name cronSchedule } sensors { name sensorType } jobs { name } }
          }
          ... on PythonError { message }
        }
      }
    }
  }
}
"""
ASSETS_QUERY = "{ assetNodes { assetKey { path } groupName } }"


def _loaded_repositories(port):
    data = graphql(port, WORKSPACE_QUERY)
    entries = data["workspaceOrError"]["locationEntries"]
    if not entries or entries[0]["locationOrLoadError"] is None:
        return None
    location = entries[0]["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation", location
    return location["repositories"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    """One real webserver for the module, bound to loopback as in production behind nginx."""
    tmp_path = tmp_path_factory.mktemp("webserver")
    home, data = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port, log = free_port(), tmp_path / "dagster_dev.log"
    server = start_in_own_group(
        [str(VENV_BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        dagster_env(home, data),
        log,
    )
    try:
        repositories = wait_for(lambda: _loaded_repositories(port), 180, "the code location to load", server, log)
        yield port, server, repositories
    finally:
        stop_group(server)
    assert server.returncode is not None


def test_webserver_serves_assets_schedule_and_sensors(webserver):
    port, _server, repositories = webserver
    repository = repositories[0]
    assert {s["name"]: s["cronSchedule"] for s in repository["schedules"]} == {"daily_intake_and_build": "0 6 * * *"}
    sensors = {s["name"]: s["sensorType"] for s in repository["sensors"]}
    assert sensors["uploads_sensor"] == "STANDARD" and sensors["partners_sensor"] == "STANDARD"
    assert sensors["alert_on_run_failure"] == "RUN_STATUS"
    assert sensors["status_pages_after_run"] == "RUN_STATUS"
    assert sensors["status_pages_after_failed_run"] == "RUN_STATUS"
    assert {"build_warehouse", "financial_year_status_job"} <= {j["name"] for j in repository["jobs"]}

    nodes = graphql(port, ASSETS_QUERY)["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert keys["marts/fct_indicator_values"] == "marts"
    assert keys["raw/file_events"] == "intake"
    assert keys["financial_year_status"] == "by_year"


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.which("nginx", path="/usr/sbin") else None)
DEPLOY = PROJECT_ROOT / "deploy" / "nginx"


def _site_for_test(port: int, webserver_port: int, htpasswd, snippet) -> str:
    """The shipped site, as it is but for where things are on this machine: loopback on a
    free port instead of TLS on 443, the test's password file and the webserver's port."""
    site = (DEPLOY / "cj-dagster.conf").read_text(encoding="utf-8")
    site = site[: site.index("server {\n    listen 80;")]  # the http -> https redirect needs port 80
    swaps = {
        "server 127.0.0.1:3000;": f"server 127.0.0.1:{webserver_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{port};",
        "/etc/nginx/cj-dagster.htpasswd": str(htpasswd),
        "/etc/nginx/snippets/cj-dagster-proxy.conf": str(snippet),
    }
    for old, new in swaps.items():
        assert old in site, f"deploy/nginx/cj-dagster.conf no longer says {old!r}"
        site = site.replace(old, new)
    return re.sub(r"\n\s*ssl_certificate(_key)? [^;]+;", "", site)


def _get(url: str, user: str | None = None, password: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(url, data=b'{"query": "{ version }"}', headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert b"version" in response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (/proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make test-tools installs nginx-light)")
def test_the_webserver_is_reached_only_through_nginx_with_a_login(webserver, tmp_path):
    webserver_port, _server, _repositories = webserver
    # The webserver listens on loopback only (127.0.0.1 is 0100007F in /proc/net/tcp).
    assert _listening_addresses(webserver_port) == {"0100007F"}

    hashed = subprocess.run(
        ["openssl", "passwd", "-apr1", "s3cret pass"], capture_output=True, text=True, check=True
    ).stdout.strip()
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(f"analyst:{hashed}\n")
    port = free_port()
    site = tmp_path / "site.conf"
    site.write_text(_site_for_test(port, webserver_port, htpasswd, DEPLOY / "cj-dagster-proxy.conf"))
    conf = tmp_path / "nginx.conf"
    temp = "\n".join(
        f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as nobody, who cannot read pytest's private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\naccess_log {tmp_path / 'access.log'};\n{temp}\ninclude {site};\n}}\n"
    )
    args = [NGINX, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)]
    subprocess.run([*args, "-t"], check=True, capture_output=True)
    proxy = start_in_own_group([*args, "-g", "daemon off;"], {"PATH": "/usr/sbin:/usr/bin"}, tmp_path / "nginx.out")
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        wait_for(lambda: _get(url) == 401, 30, "nginx to answer", proxy, tmp_path / "error.log")
        assert _get(url, "analyst", "wrong") == 401
        assert _get(url, "someone", "s3cret pass") == 401
        assert _get(url, "analyst", "s3cret pass") == 200
    finally:
        stop_group(proxy)
    assert "analyst" in (tmp_path / "access.log").read_text()


def test_operations_runs_the_webserver_on_loopback_only():
    operations = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "0.0.0.0" not in operations
    assert "dagster-webserver -w workspace.yaml -h 127.0.0.1 -p 3000" in operations
