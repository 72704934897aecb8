"""Loads every DAG file in a folder against the stand-in airflow package and prints what they declare as JSON."""
import glob
import importlib.util
import json
import os
import shlex
import sys

import airflow


def seconds(td):
    return None if td is None else int(td.total_seconds())


for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.py"))):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))

out = []
for dag in airflow.DAGS:
    tasks = {}
    for task_id, t in dag.tasks.items():
        rendered = t.bash_command.replace("{{ ds }}", "2026-11-30")
        tasks[task_id] = {
            "argv": shlex.split(rendered),
            "upstream": sorted(t.upstream),
            "retries": t.args.get("retries", 0),
            "retry_delay": seconds(t.args.get("retry_delay")),
            "max_retry_delay": seconds(t.args.get("max_retry_delay")),
            "exponential": t.args.get("retry_exponential_backoff", False),
            "timeout": seconds(t.args.get("execution_timeout")),
            "pool": t.args.get("pool"),
        }
    out.append({
        "dag_id": dag.dag_id,
        "schedule": dag.schedule,
        "timezone": str(dag.start_date.tzinfo),
        "start_date": dag.start_date.date().isoformat(),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "tasks": tasks,
    })
print(json.dumps(out))
