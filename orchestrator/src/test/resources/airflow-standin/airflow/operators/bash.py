"""Stand-in BashOperator: keeps its arguments and the dependencies set with >>."""
from datetime import timedelta

from airflow import current_dag

_ALLOWED = {"retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay", "execution_timeout", "pool"}


class BashOperator:
    def __init__(self, task_id, bash_command, **kwargs):
        unexpected = set(kwargs) - _ALLOWED
        if unexpected:
            raise TypeError("BashOperator got unexpected arguments: %s" % sorted(unexpected))
        for key in ("retry_delay", "max_retry_delay", "execution_timeout"):
            if key in kwargs and not isinstance(kwargs[key], timedelta):
                raise TypeError("%s must be a timedelta" % key)
        self.task_id = task_id
        self.bash_command = bash_command
        self.args = kwargs
        self.upstream = set()
        self.dag = current_dag()
        if task_id in self.dag.tasks:
            raise ValueError("duplicate task id %s" % task_id)
        self.dag.tasks[task_id] = self

    def __rshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o.upstream.add(self.task_id)
        return other
