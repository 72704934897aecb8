"""Stand-in for pendulum.datetime (which Airflow ships): a datetime whose tzinfo carries the zone's name."""
import datetime as _dt


class _Zone(_dt.tzinfo):
    def __init__(self, name):
        self.name = name

    def utcoffset(self, dt):
        return None

    def __str__(self):
        return self.name


def datetime(year, month, day, hour=0, minute=0, second=0, tz="UTC"):
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=_Zone(tz))
