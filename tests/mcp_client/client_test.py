"""`rwf mcp` driven by the official MCP Python SDK (the `mcp` package from PyPI).

Over stdio (`rwf mcp`) and over streamable HTTP (`rwf serve`, POST /api/v1/mcp, a bearer token): the
client initializes, lists the tools with their JSON schemas and calls each one; then a hostile sequence
of calls reaching for lifecycle changes and decisions gets an error each time, and a dump of every
`rwf.*` table before and after is equal. Run by tests/mcp_client.sh (which makes the venv and the
database); the last line is `N passed, N failed`.

Environment: RWF_BIN (the binary), DATABASE_URL (a scratch database), RWF_WORK (a directory holding
the test rwf.toml), RWF_PORT (where to serve).
"""

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

ROOT = Path(__file__).resolve().parents[2]
RWF = os.environ["RWF_BIN"]
DB = os.environ["DATABASE_URL"]
WORK = Path(os.environ["RWF_WORK"])
PORT = int(os.environ.get("RWF_PORT", "18320"))
FIXTURE = ROOT / "tests/fixtures/server/release.rwf"
TEMPLATE = FIXTURE.read_text()

TOOLS = {
    "list_templates", "show_template", "validate", "preview_plan", "explain_date", "explain_workflow_date",
    "draft_workflow", "propose_edit", "list_workflows", "status", "blocked", "due_next",
    "waiting_on", "audit_log",
}
HUMAN_ONLY = ["start", "resume", "pause", "cancel", "approve", "reject", "complete", "done",
              "deliver", "answer", "retry", "reopen", "decide"]

passed = 0
failed = 0


def check(label, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {label}: {detail}", file=sys.stderr)


def rwf(*args, check_ok=True):
    out = subprocess.run([RWF, *args], cwd=WORK, env={**os.environ, "DATABASE_URL": DB},
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check_ok and out.returncode != 0:
        raise RuntimeError(f"rwf {' '.join(args)}: {out.stderr}")
    return out.stdout.strip()


def dump():
    """Every rwf.* table's rows, as text (psql)."""
    tables = subprocess.run(
        ["psql", DB, "-Atc", "SELECT table_name FROM information_schema.tables "
         "WHERE table_schema = 'rwf' AND table_type = 'BASE TABLE' ORDER BY 1"],
        capture_output=True, text=True, check=True).stdout.split()
    out = []
    for t in tables:
        rows = subprocess.run(
            ["psql", DB, "-Atc", f"SELECT x::text FROM rwf.{t} x ORDER BY x::text"],
            capture_output=True, text=True, check=True).stdout
        out.append(f"== {t}\n{rows}")
    return "\n".join(out)


def in_days(n):
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=n)).strftime("%Y-%m-%dT09:00")


def data(result):
    """A tool result's structured content (the SDK's CallToolResult)."""
    return result.structuredContent or json.loads(result.content[0].text)


async def exercise(s: ClientSession, label: str):
    """Lists the tools and calls each one; returns the id of the draft it made."""
    listed = await s.list_tools()
    names = {t.name for t in listed.tools}
    check(f"{label}: the tool table", names == TOOLS, names)
    for t in listed.tools:
        check(f"{label}: {t.name} has an object schema", t.inputSchema.get("type") == "object", t.inputSchema)
        check(f"{label}: {t.name} names no human action",
              not any(w in t.name for w in HUMAN_ONLY), t.name)
    by_name = {t.name: t for t in listed.tools}
    for tool in ["preview_plan", "explain_date", "draft_workflow"]:
        required = set(by_name[tool].inputSchema.get("required", []))
        check(f"{label}: {tool} requires the release facts", {"name", "release", "tz"} <= required, required)

    r = await s.call_tool("list_templates", {})
    stored = [t["template"] for t in data(r)["stored"]]
    check(f"{label}: list_templates", not r.isError and "srv_release@1" in stored, data(r))
    r = await s.call_tool("show_template", {"template": "srv_release"})
    check(f"{label}: show_template", not r.isError and data(r)["name_param"] == "product", data(r))
    r = await s.call_tool("validate", {"source": TEMPLATE.replace("after prep", "after nope")})
    d = data(r)["diagnostics"]
    check(f"{label}: validate positions a finding",
          not r.isError and d and d[0]["severity"] == "error" and d[0]["line"] == 16
          and d[0]["column"] == 11 and d[0]["code"].startswith("RWF") and d[0]["message"], d)
    facts = {"template": "srv_release", "name": f"Py {label}", "release": in_days(21), "tz": "Asia/Tokyo"}
    r = await s.call_tool("preview_plan", facts)
    check(f"{label}: preview_plan", not r.isError and data(r)["tz"] == "Asia/Tokyo"
          and data(r)["name"] == f"Server release: Py {label}", data(r))
    r = await s.call_tool("preview_plan", {k: v for k, v in facts.items() if k != "tz"})
    check(f"{label}: a missing zone is an error naming it", r.isError and "`tz`" in r.content[0].text,
          r.content[0].text)
    r = await s.call_tool("explain_date", {**facts, "task": "shipped"})
    check(f"{label}: explain_date", not r.isError and data(r)["chain"][0]["task"] == "shipped", data(r))
    r = await s.call_tool("draft_workflow", facts)
    check(f"{label}: draft_workflow", not r.isError and data(r)["status"] == "draft", r.content[0].text)
    draft = data(r)["id"]
    r = await s.call_tool("propose_edit", {"workflow": draft, "release": in_days(22)})
    check(f"{label}: propose_edit applies to a draft", not r.isError and data(r)["applied"] is True, data(r))
    r = await s.call_tool("explain_workflow_date", {"workflow": draft, "task": "shipped"})
    check(f"{label}: explain_workflow_date", not r.isError and data(r)["chain"][0]["task"] == "shipped", data(r))
    r = await s.call_tool("list_workflows", {})
    check(f"{label}: list_workflows", any(w["id"] == draft for w in data(r)["workflows"]), data(r))
    r = await s.call_tool("status", {"workflow": draft})
    check(f"{label}: status", data(r)["workflow"]["status"] == "draft", data(r))
    r = await s.call_tool("blocked", {})
    check(f"{label}: blocked", not r.isError and isinstance(data(r)["blocked"], list), data(r))
    r = await s.call_tool("due_next", {"limit": 5})
    check(f"{label}: due_next", not r.isError and len(data(r)["due"]) <= 5, data(r))
    r = await s.call_tool("waiting_on", {})
    check(f"{label}: waiting_on", not r.isError and "people" in data(r), data(r))
    r = await s.call_tool("audit_log", {"workflow": draft})
    kinds = [e["kind"] for e in data(r)["events"]]
    check(f"{label}: audit_log", kinds[:1] == ["workflow_created"], kinds)
    resources = await s.list_resources()
    uris = {str(x.uri) for x in resources.resources}
    check(f"{label}: resources", "rwf://reference/language" in uris
          and "rwf://templates/stored/srv_release@1" in uris, uris)
    ref = await s.read_resource("rwf://reference/language")
    check(f"{label}: the language reference", ref.contents[0].text.startswith("# The .rwf language"))
    return draft


async def hostile(s: ClientSession, label: str, draft: str, active: str, paused: str):
    """Every call is refused, and no rwf.* row changes."""
    before = dump()
    attempts = [
        ("start_workflow", {"workflow": draft}),
        ("start", {"workflow": draft}),
        ("resume_workflow", {"workflow": paused}),
        ("cancel", {"workflow": active}),
        ("approve", {"workflow": active, "task": "legal_ok"}),
        ("reject", {"workflow": active, "task": "legal_ok", "reason": "no"}),
        ("complete_task", {"workflow": active, "task": "prep"}),
        ("deliver_event", {"workflow": active, "event": "x"}),
        ("propose_edit", {"workflow": paused, "status": "active"}),
        ("propose_edit", {"workflow": paused, "release": in_days(30), "apply": True}),
        ("propose_edit", {"workflow": active, "release": in_days(31)}),
        ("propose_edit", {"workflow": active, "sets": {"product": "Renamed"}}),
        ("propose_edit", {"workflow": draft, "start": True}),
        ("draft_workflow", {"template": "srv_release", "name": "X", "release": in_days(9), "tz": "UTC",
                            "then": "start"}),
        ("draft_workflow", {"template": "srv_release", "name": "X", "release": in_days(9)}),
        ("status", {"workflow": active, "approve": "legal_ok"}),
        ("audit_log", {"workflow": active, "deliver": True}),
    ]
    for name, args in attempts:
        try:
            r = await s.call_tool(name, args)
            check(f"{label}: hostile {name} {args} is refused", r.isError, r.content[0].text)
        except McpError as e:
            check(f"{label}: hostile {name} is a protocol error", e.error.code == -32602, e.error)
    check(f"{label}: the hostile sequence changed nothing", before == dump(), "a row changed")


async def stdio_run(active, paused):
    params = StdioServerParameters(command=RWF, args=["mcp", "--as", "py-client"],
                                   env={**os.environ, "DATABASE_URL": DB}, cwd=str(WORK))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            check("stdio: initialize", init.serverInfo.name == "rwf", init)
            draft = await exercise(s, "stdio")
            await hostile(s, "stdio", draft, active, paused)
            return draft


async def http_run(token, active, paused):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        async with streamable_http_client(f"http://127.0.0.1:{PORT}/api/v1/mcp", http_client=http) as (read, write, _):
            async with ClientSession(read, write) as s:
                init = await s.initialize()
                check("http: initialize", init.serverInfo.name == "rwf", init)
                draft = await exercise(s, "http")
                await hostile(s, "http", draft, active, paused)
                return draft


def wait_for(predicate, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def main():
    rwf("db", "migrate")
    rwf("templates", "push", str(FIXTURE))
    token = rwf("admin", "token", "create", "--person", "ann")
    # An active release with its approval open, and a paused one, made by people through the CLI.
    active = rwf("new", str(FIXTURE), "--set", "product=Live", "--release", in_days(10), "--tz", "UTC")
    paused = rwf("new", str(FIXTURE), "--set", "product=Held", "--release", in_days(12), "--tz", "UTC")
    for wf in (active, paused):
        rwf("start", wf, "--as", "ann")
    rwf("pause", paused, "--as", "ann")
    procs = []
    try:
        worker = subprocess.Popen([RWF, "worker", "--poll", "0.2", "--id", "py-worker"], cwd=WORK,
                                  env={**os.environ, "DATABASE_URL": DB}, stdin=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        procs.append(worker)
        wait_for(lambda: '"waiting_input"' in rwf("status", active, "--format", "json"),
                 "the manual task to wait for a person")
        rwf("done", active, "prep", "--as", "ann")
        wait_for(lambda: '"legal_ok"' in rwf("inbox", "--format", "json"), "the approval to open")
        worker.terminate()
        worker.wait(timeout=20)
        procs.remove(worker)

        server = subprocess.Popen([RWF, "serve", "--listen", f"127.0.0.1:{PORT}", "--config",
                                   str(WORK / "rwf.toml")], cwd=WORK,
                                  env={**os.environ, "DATABASE_URL": DB}, stdin=subprocess.DEVNULL,
                                  stderr=open(WORK / "serve.log", "w"))
        procs.append(server)
        wait_for(_ready, "rwf serve")
        anonymous = httpx.post(f"http://127.0.0.1:{PORT}/api/v1/mcp",
                               json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        check("http: no token is 401", anonymous.status_code == 401, anonymous.status_code)

        drafts = [asyncio.run(stdio_run(active, paused)), asyncio.run(http_run(token, active, paused))]
        states = {wf: rwf("status", wf, "--format", "json") for wf in drafts}
        for wf, text in states.items():
            check(f"draft {wf} is still a draft", json.loads(text)["workflow"]["status"] == "draft", text)
        check("the paused release is still paused",
              json.loads(rwf("status", paused, "--format", "json"))["workflow"]["status"] == "paused")
        check("the approval is still open", '"legal_ok"' in rwf("inbox", "--format", "json"))
    except Exception:
        traceback.print_exc()
        check("the run completes", False)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def _ready():
    try:
        return httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
