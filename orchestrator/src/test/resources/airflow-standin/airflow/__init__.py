"""A stand-in for the parts of Airflow that exported DAG files use, written for the tests.

It records what a DAG file declares (the DAG's arguments, its operators and their dependencies)
so a test can compare it with the platform's own DAG model. It schedules nothing.
"""

DAGS = []
_current = []


class DAG:
    def __init__(self, dag_id, description=None, schedule=None, start_date=None, catchup=True,
                 max_active_runs=16, **unexpected):
        if unexpected:
            raise TypeError("DAG got unexpected arguments: %s" % sorted(unexpected))
        self.dag_id = dag_id
        self.description = description
        self.schedule = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        self.tasks = {}
        DAGS.append(self)

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False


def current_dag():
    if not _current:
        raise RuntimeError("operator created outside a DAG context")
    return _current[-1]
