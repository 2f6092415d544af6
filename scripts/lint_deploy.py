"""The checks of scripts/lint-deploy, run with its virtual environment's python.

Each check prints one line, `ok`, `FAIL` or `skip`, what it looked at, and under a failure the
tool's findings. The exit status is 1 when any check failed.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "ingest"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "ingest-dashboard.json"
LAUNCHER = DEPLOY / "ingest-launch"

# Kubernetes versions the rendered manifests must be valid for: the chart's kubeVersion floor and
# a current one.
KUBERNETES_VERSIONS = ("1.25.0", "1.30.0")

# The metric names Ingest exports (issue 15, item 6). The dashboard and the alerts may use only these.
METRICS = {
    "ingest_tasks_claimed_total", "ingest_tasks_completed_total", "ingest_tasks_failed_total",
    "ingest_tasks_retried_total", "ingest_tasks_cancelled_total", "ingest_tasks_reaped_total",
    "ingest_task_duration_seconds", "ingest_queue_ready_tasks", "ingest_queue_running_tasks",
    "ingest_queue_failed_tasks", "ingest_queue_delayed_tasks", "ingest_jobs", "ingest_job_entries_done",
    "ingest_job_bytes_done", "ingest_job_tasks_remaining", "ingest_workers_live", "ingest_passes_total",
    "ingest_broker_errors_total", "ingest_catalog_errors_total",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

# Value sets `helm template` renders; each must lint, render and validate.
VALUE_SETS = {
    # Everything bundled: Redis and PostgreSQL StatefulSets, generated passwords and token.
    "defaults": {},
    # External Redis and PostgreSQL, every secret from the operator's own Secret, TLS in the server,
    # two roles, a metrics token, disruption budgets, volumes for data and vault, S3 keypair.
    "external": {
        "existingSecret": "ingest-secrets",
        "redis": {"enabled": False},
        "postgresql": {"enabled": False},
        "server": {
            "replicas": 2,
            "tokens": [{"name": "ops", "role": "operate"}, {"name": "viewer", "role": "read"}],
            "metricsToken": {"enabled": True},
            "tls": {"secretName": "ingest-tls"},
            "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
        },
        "worker": {
            "queues": "restart,path,file",
            "podDisruptionBudget": {"enabled": True, "maxUnavailable": "25%"},
            "autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 30},
        },
        "config": {
            "key_prefix": "ingest:",
            "default_resource": "archive",
            "resources": [
                {"name": "archive", "type": "vault", "path": "/srv/vault"},
                {"name": "bucket", "type": "s3", "bucket": "archive", "endpoint": "https://s3.example.org",
                 "credentials": "/etc/ingest/s3/keypair"},
            ],
            "logging": {"level": "info", "when": "midnight"},
        },
        "extraVolumes": [
            {"name": "data", "persistentVolumeClaim": {"claimName": "instrument-data", "readOnly": True}},
            {"name": "vault", "persistentVolumeClaim": {"claimName": "ingest-vault"}},
            {"name": "s3", "secret": {"secretName": "ingest-s3-keypair"}},
        ],
        "extraVolumeMounts": [
            {"name": "data", "mountPath": "/data", "readOnly": True},
            {"name": "vault", "mountPath": "/srv/vault"},
            {"name": "s3", "mountPath": "/etc/ingest/s3", "readOnly": True},
        ],
        "extraEnv": [{"name": "TZ", "value": "Europe/Berlin"}],
    },
    # An Ingress, no autoscaler (fixed replicas), a worker inside the server, no Redis password,
    # no persistence, no scrape annotations, an existing service account.
    "ingress-fixed": {
        "serviceAccount": {"create": False, "name": "ingest"},
        "metrics": {"podAnnotations": False},
        "server": {
            "ingress": {
                "enabled": True, "className": "nginx",
                "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "16m"},
                "hosts": [{"host": "ingest.example.org", "paths": [{"path": "/", "pathType": "Prefix"}]}],
                "tls": [{"secretName": "ingest-example-org-tls", "hosts": ["ingest.example.org"]}],
            },
            "worker": {"enabled": True, "concurrency": 2, "queues": "restart"},
            "extraArgs": ["--log_level", "info"],
        },
        "worker": {"autoscaling": {"enabled": False}, "replicas": 3, "metrics": {"enabled": False}},
        "redis": {"auth": {"enabled": False}, "persistence": {"enabled": False}, "maxmemory": "2gb"},
        "postgresql": {"persistence": {"enabled": False}, "maxConnections": 400},
    },
}

# Values the schema must refuse (so that a schema that stopped checking is noticed too).
BAD_VALUES = {
    "a number as text": {"worker": {"concurrency": "8"}},
    "an unknown role": {"server": {"tokens": [{"name": "ops", "role": "admin"}]}},
    "a misspelt key": {"worker": {"replica": 3}},
    "an unknown config key": {"config": {"broker": "redis://elsewhere:6379/0"}},
    "autoscaling without a CPU request": {"worker": {"resources": {"requests": {"cpu": None}}}},
}
# Values the templates must refuse (what a JSON schema cannot say).
REFUSED_VALUES = {
    "two tokens of one name": {"server": {"tokens": [{"name": "a", "role": "read"}, {"name": "a", "role": "operate"}]}},
    "no external PostgreSQL URL": {"postgresql": {"enabled": False}},
}


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.failures = 0
        self.checks = 0

    def ok(self, what, detail=""):
        self.checks += 1
        print(f"ok    {what}")
        if self.verbose and detail.strip():
            print(indent(detail))

    def fail(self, what, detail):
        self.checks += 1
        self.failures += 1
        print(f"FAIL  {what}")
        if detail.strip():
            print(indent(detail))

    def skip(self, what, why):
        print(f"skip  {what}: {why}")

    def result(self, what, passed, detail):
        (self.ok if passed else self.fail)(what, detail)


def indent(text):
    return "\n".join("      " + line for line in text.rstrip().splitlines())


def relative(path):
    return os.path.relpath(path, ROOT)


def run(command, **options):
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **options)
    return process.returncode, (process.stdout + process.stderr)


# --- checks ---------------------------------------------------------------------------------------

def check_dockerfile(report, venv):
    # Every rule at every level counts; ignores, where there are any, are inline and explained.
    status, output = run([str(venv / "bin" / "hadolint"), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)])
    report.result(f"hadolint {relative(DOCKERFILE)}", status == 0, output)


def check_launcher(report):
    """ingest-launch: a password put into a URL, the configuration written with the server's tokens."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "password").write_text("p@ss/w:rd\n")
        (scratch / "operate").write_text("token-one\ntoken-two\n")
        (scratch / "config.yaml").write_text("logging:\n  level: info\n")
        environment = dict(os.environ, INGEST_HOME=str(scratch / "home"),
                           INGEST_CATALOG_URL="postgres://ingest@db:5432/ingest",
                           INGEST_CATALOG_PASSWORD_FILE=str(scratch / "password"),
                           INGEST_CONFIG_TEMPLATE=str(scratch / "config.yaml"),
                           INGEST_SERVER_TOKEN_FILES=f"operate={scratch / 'operate'}")
        status, output = run([sys.executable, str(LAUNCHER), sys.executable, "-c",
                              "import os; print(os.environ['INGEST_CATALOG_URL'])"], env=environment)
        problems = []
        if status != 0:
            problems.append(f"exit status {status}: {output}")
        elif output.strip() != "postgres://ingest:p%40ss%2Fw%3Ard@db:5432/ingest":
            problems.append(f"catalog URL: {output.strip()}")
        else:
            written = scratch / "home" / "config.yaml"
            configuration = yaml.safe_load(written.read_text())
            expected = {"logging": {"level": "info"}, "server": {"tokens": [
                {"token": "token-one", "role": "operate"}, {"token": "token-two", "role": "operate"}]}}
            if configuration != expected:
                problems.append(f"config.yaml: {configuration}")
            if written.stat().st_mode & 0o077:
                problems.append(f"config.yaml has mode {oct(written.stat().st_mode & 0o777)}, not 0600")
        # A wrong role is refused before anything runs.
        environment["INGEST_SERVER_TOKEN_FILES"] = f"admin={scratch / 'operate'}"
        status, output = run([sys.executable, str(LAUNCHER), "true"], env=environment)
        if status != 78:
            problems.append(f"role 'admin' not refused (exit status {status}): {output}")
    report.result(f"{relative(LAUNCHER)} (passwords into URLs, tokens into config.yaml)", not problems,
                  "\n".join(problems))


def render_chart(report, scratch):
    """helm lint --strict and helm template of every value set; returns {name: manifests file}."""
    from helm_python.chart import Chart, lint

    rendered = {}
    chart = Chart.load(str(CHART))
    for name, values in VALUE_SETS.items():
        findings = []
        try:
            result = lint(str(CHART), values, strict=True, kube_version="v" + KUBERNETES_VERSIONS[-1])
        except Exception as error:  # the SDK raises only for malformed input
            result = {"messages": [], "errors": [str(error)]}
        # Severity 1 is information ("icon is recommended"); warnings (2) and errors (3) count.
        findings += [f"{m['path']}: {m['error']}" for m in result.get("messages", []) if m.get("severity", 0) >= 2]
        findings += [error for error in result.get("errors", []) if not any(error.strip() in f for f in findings)]
        report.result(f"helm lint --strict {relative(CHART)} ({name} values)", not findings, "\n".join(findings))
        try:
            manifests = chart.render(values, name="ingest-lint", namespace="ingest")
        except Exception as error:
            report.fail(f"helm template {relative(CHART)} ({name} values)", str(error))
            continue
        documents = []
        for template, text in sorted(manifests.items()):
            if template.endswith("NOTES.txt") or not text.strip():
                continue
            documents.append(f"# Source: {template}\n{text.strip()}\n")
        path = scratch / f"rendered-{name}.yaml"
        path.write_text("---\n".join(documents))
        rendered[name] = path
        notes = next((text for template, text in manifests.items() if template.endswith("NOTES.txt")), "")
        if "<no value>" in "".join(manifests.values()):
            report.fail(f"helm template {relative(CHART)} ({name} values)", "a template printed <no value>")
        elif not notes.strip():
            report.fail(f"helm template {relative(CHART)} ({name} values)", "NOTES.txt rendered empty")
        else:
            report.ok(f"helm template {relative(CHART)} ({name} values): {len(documents)} templates",
                      "\n".join(sorted(manifests)))
    for reason, values in BAD_VALUES.items():
        try:
            chart.render(values, name="ingest-lint", namespace="ingest")
        except Exception as error:
            # Refused by the schema, not by some other failure (a broken template fails every render).
            report.result(f"values.schema.json refuses {reason}", "schema" in str(error), str(error))
        else:
            report.fail(f"values.schema.json refuses {reason}", f"rendered without an error: {values}")
    for reason, values in REFUSED_VALUES.items():
        try:
            chart.render(values, name="ingest-lint", namespace="ingest")
        except Exception as error:
            report.result(f"the templates refuse {reason}", "schema" not in str(error) and "parse error" not in str(error),
                          str(error))
        else:
            report.fail(f"the templates refuse {reason}", f"rendered without an error: {values}")
    chart.close()
    return rendered


class KubernetesSchemas:
    """kubernetes-validate's bundled schemas (strict: no unknown fields), each read once, reporting
    every error of a resource (its `validate` stops at the first)."""

    def __init__(self):
        import functools

        import jsonschema
        import referencing
        from kubernetes_validate import utils

        self.utils, self.jsonschema, self.referencing = utils, jsonschema, referencing
        self.contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
        self.validators = {}

    def errors(self, resource, version):
        utils = self.utils
        available = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(version)]
        directory = f"kubernetes-json-schema/v{available[-1]}-local-strict"
        api_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", resource["apiVersion"])
        name = f"{directory}/{resource['kind'].lower()}-{api_version}.json"
        if name not in self.validators:
            try:
                schema = self.contents(name, version)
            except FileNotFoundError:
                return [f"no schema for {resource['apiVersion']} {resource['kind']} in Kubernetes {version}"]
            definitions = self.contents(f"{directory}/_definitions.json", version)
            registry = self.referencing.Resource.from_contents(definitions) @ (
                self.referencing.Resource.from_contents(schema) @ self.referencing.Registry())
            self.validators[name] = self.jsonschema.validators.Draft202012Validator(schema, registry=registry)
        return [f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
                for error in self.validators[name].iter_errors(resource)]


def check_manifests(report, rendered):
    """The Kubernetes schemas on every rendered resource, plus the chart's own rules."""
    schemas = KubernetesSchemas()
    for name, path in rendered.items():
        resources = [document for document in yaml.safe_load_all(path.read_text()) if document]
        for version in KUBERNETES_VERSIONS:
            errors = []
            for resource in resources:
                label = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
                errors += [f"{label}: {error}" for error in schemas.errors(resource, version)]
            report.result(f"Kubernetes {version} schemas, strict ({name}: {len(resources)} resources)",
                          not errors, "\n".join(errors))
        problems = chart_rules(resources)
        report.result(f"pod security and resources ({name})", not problems, "\n".join(problems))


def chart_rules(resources):
    """What every workload of the chart promises: non-root, no privilege, no capabilities, a
    read-only root, memory limits, no service-account token; no secret value in a manifest but
    the Secret's."""
    problems = []
    for resource in resources:
        kind = resource["kind"]
        label = f"{kind}/{resource['metadata']['name']}"
        if kind in ("Deployment", "StatefulSet"):
            pod = resource["spec"]["template"]["spec"]
            if not pod.get("securityContext", {}).get("runAsNonRoot"):
                problems.append(f"{label}: pod securityContext.runAsNonRoot is not true")
            if pod.get("automountServiceAccountToken") is not False:
                problems.append(f"{label}: automountServiceAccountToken is not false")
            for container in pod["containers"]:
                where = f"{label} container {container['name']}"
                context = container.get("securityContext", {})
                if context.get("allowPrivilegeEscalation") is not False:
                    problems.append(f"{where}: allowPrivilegeEscalation is not false")
                if "ALL" not in context.get("capabilities", {}).get("drop", []):
                    problems.append(f"{where}: capabilities do not drop ALL")
                if context.get("readOnlyRootFilesystem") is not True:
                    problems.append(f"{where}: readOnlyRootFilesystem is not true")
                if not container.get("resources", {}).get("limits", {}).get("memory"):
                    problems.append(f"{where}: no memory limit")
                for variable in container.get("env") or []:
                    if re.search(r"PASSWORD$|TOKEN$|_URL$", variable["name"]) and "value" in variable:
                        if re.search(r"://[^/@]*:[^/@]*@", variable["value"]) or variable["name"].endswith(("PASSWORD", "TOKEN")):
                            problems.append(f"{where}: {variable['name']} holds a secret in plain text")
        elif kind == "ConfigMap":
            text = json.dumps(resource.get("data", {}))
            if re.search(r"token|password", text, re.IGNORECASE):
                problems.append(f"{label}: mentions a token or password")
    return problems


def check_values_have_no_secrets(report):
    """The committed values.yaml leaves every password, token and URL empty."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif re.search(r"(password|token|url)$", path.split(".")[-1], re.IGNORECASE) and node not in ("", None):
            found.append(f"{path} = {node!r}")

    walk(values, "")
    report.result(f"{relative(CHART / 'values.yaml')} holds no password, token or URL", not found, "\n".join(found))


def check_yaml(report, venv, rendered):
    files = [COMPOSE, DEPLOY / "config.yaml", *sorted(PROMETHEUS.glob("*.yml")), CHART / "Chart.yaml",
             CHART / "values.yaml", ROOT / ".yamllint", *rendered.values()]
    status, output = run([str(venv / "bin" / "yamllint"), "--strict", "-c", str(ROOT / ".yamllint"),
                          *map(str, files)])
    report.result(f"yamllint --strict: {len(files) - len(rendered)} files of deploy/ and the chart, "
                  f"{len(rendered)} rendered manifests", status == 0, output)


def check_compose(report):
    """The compose-spec JSON schema that check-jsonschema ships (vendor.compose-spec), every error."""
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    schema = get_builtin_schema("vendor.compose-spec")
    compose = yaml.safe_load(COMPOSE.read_text())  # merge keys (<<) resolved, as compose does
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
              for error in validator.iter_errors(compose)]
    report.result(f"{relative(COMPOSE)} against the compose-spec schema", not errors, "\n".join(errors))
    problems = []
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD$|TOKEN$", variable) or re.search(r"://[^/@]*:[^/@]*@", str(value)):
                problems.append(f"services.{name}.environment.{variable} holds a secret")
    for name, secret in compose.get("secrets", {}).items():
        if "file" not in secret:
            problems.append(f"secrets.{name} is not read from a file")
    report.result(f"{relative(COMPOSE)} keeps passwords and tokens in secret files", not problems, "\n".join(problems))


def check_prometheus(report, scratch):
    promtool = shutil.which("promtool")
    if not promtool:
        report.skip("promtool check config, check rules, test rules",
                    "promtool is not installed (Debian: apt-get install prometheus)")
        return
    for command in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                    ["test", "rules", "alerts.test.yml"]):
        status, output = subprocess_run_in(PROMETHEUS, [promtool, *command])
        report.result(f"promtool {' '.join(command[:2])} {relative(PROMETHEUS / command[2])}", status == 0, output)
    # The dashboard's queries, with Grafana's variables given values, parsed by promtool as rules.
    dashboard = json.loads(DASHBOARD.read_text())
    rules = [{"record": f"dashboard:query_{index}", "expr": grafana_to_promql(expression)}
             for index, expression in enumerate(dashboard_expressions(dashboard))]
    path = scratch / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    status, output = subprocess_run_in(scratch, [promtool, "check", "rules", path.name])
    report.result(f"promtool parses the dashboard's {len(rules)} queries", status == 0, output)


def subprocess_run_in(directory, command):
    process = subprocess.run(command, cwd=directory, capture_output=True, text=True)
    return process.returncode, process.stdout + process.stderr


def grafana_to_promql(expression):
    return (expression.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
            .replace("$queue", ".*").replace("$kind", ".*"))


def dashboard_expressions(dashboard):
    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))
    return [target["expr"] for panel in panels(dashboard["panels"]) for target in panel.get("targets", [])]


def metric_names(expression):
    """The Ingest metric names an expression reads, histogram series under their histogram's name."""
    names = set()
    for name in re.findall(r"\bingest_[a-z_]+\b", expression):
        for suffix in HISTOGRAM_SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in METRICS:
                name = name[: -len(suffix)]
                break
        names.add(name)
    return names


def check_dashboard(report):
    problems = []
    try:
        dashboard = json.loads(DASHBOARD.read_text())
    except json.JSONDecodeError as error:
        report.fail(f"{relative(DASHBOARD)} is JSON", str(error))
        return
    inputs = [item.get("name") for item in dashboard.get("__inputs", [])]
    if inputs != ["DS_PROMETHEUS"]:
        problems.append(f"__inputs should be exactly DS_PROMETHEUS, not {inputs}")
    if not 36 <= dashboard.get("schemaVersion", 0) <= 41:
        problems.append(f"schemaVersion {dashboard.get('schemaVersion')}")
    identifiers = set()
    expressions = 0

    def visit(items):
        nonlocal expressions
        for panel in items:
            title = panel.get("title", "?")
            if panel["id"] in identifiers:
                problems.append(f"panel id {panel['id']} used twice")
            identifiers.add(panel["id"])
            grid = panel.get("gridPos", {})
            if grid.get("x", 0) + grid.get("w", 0) > 24:
                problems.append(f"panel '{title}' is wider than the grid")
            if panel["type"] != "row" and panel.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                problems.append(f"panel '{title}' does not use the ${{DS_PROMETHEUS}} data source")
            for target in panel.get("targets", []):
                expressions += 1
                if target.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                    problems.append(f"panel '{title}' target {target.get('refId')}: data source")
                unknown = metric_names(target["expr"]) - METRICS
                if unknown:
                    problems.append(f"panel '{title}': unknown metrics {sorted(unknown)}")
            visit(panel.get("panels", []))

    visit(dashboard["panels"])
    for variable in dashboard.get("templating", {}).get("list", []):
        unknown = metric_names(json.dumps(variable.get("query", ""))) - METRICS
        if unknown:
            problems.append(f"variable {variable['name']}: unknown metrics {sorted(unknown)}")
    used = set().union(*(metric_names(e) for e in dashboard_expressions(dashboard)))
    missing = METRICS - used
    if missing:
        problems.append(f"metrics no panel shows: {sorted(missing)}")
    report.result(f"{relative(DASHBOARD)}: {len(identifiers)} panels, {expressions} queries over Ingest's metrics",
                  not problems, "\n".join(problems))
    alerts = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    unknown = set()
    for group in alerts["groups"]:
        for rule in group["rules"]:
            unknown |= metric_names(rule["expr"]) - METRICS
    report.result(f"{relative(PROMETHEUS / 'alerts.yml')} uses only Ingest's metric names", not unknown,
                  f"unknown: {sorted(unknown)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venv", required=True, type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    arguments = parser.parse_args()
    report = Report(arguments.verbose)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lint-deploy.") as scratch:
        scratch = Path(scratch)
        check_dockerfile(report, arguments.venv)
        check_launcher(report)
        rendered = render_chart(report, scratch)
        check_manifests(report, rendered)
        check_values_have_no_secrets(report)
        check_yaml(report, arguments.venv, rendered)
        check_compose(report)
        check_prometheus(report, scratch)
        check_dashboard(report)
    elapsed = time.monotonic() - started
    print(f"lint-deploy: {report.checks - report.failures} passed, {report.failures} failed ({elapsed:.1f} s)")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
