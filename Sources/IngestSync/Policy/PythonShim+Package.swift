extension PythonShim {
    /// The iRODS automated ingest modules handlers import (`core`, `utils`, `redis_utils`), and the
/// fallback `irods` package used only when python-irodsclient is not installed.
    static let packageFiles: [String: String] = [
        "irods_capability_automated_ingest/__init__.py": #"""
"""Ingest's own stand-in for the iRODS automated ingest package.

Event handler files written for iRODS automated ingest import `core`, `utils` and `redis_utils` from
this package; Ingest runs them unchanged inside its policy host, which provides these modules.
"""
"""#,
        "irods_capability_automated_ingest/core.py": #"""
"""The base class of event handlers.

Every method is a default. Ingest's host calls a method only when the handler's class overrides it
(the job's own settings apply otherwise), so these bodies run only when a handler calls them itself.
"""
from .utils import DeleteMode, Operation


class Core(object):
    @staticmethod
    def operation(session, meta, **options):
        return Operation.REGISTER_SYNC

    @staticmethod
    def to_resource(session, meta, **options):
        return None

    @staticmethod
    def target_path(session, meta, **options):
        return None

    @staticmethod
    def as_user(meta, **options):
        return None

    @staticmethod
    def max_retries(hdlr_mod, logger, meta):
        return 0

    @staticmethod
    def timeout(hdlr_mod, logger, meta):
        return 3600

    @staticmethod
    def delay(hdlr_mod, logger, meta, retries):
        return 0

    @staticmethod
    def delete_mode(meta):
        return DeleteMode.DO_NOT_DELETE

    @staticmethod
    def character_map():
        return None

    @staticmethod
    def pre_job(hdlr_mod, logger, meta):
        pass

    @staticmethod
    def post_job(hdlr_mod, logger, meta):
        pass

    @staticmethod
    def pre_pass(hdlr_mod, logger, meta):
        pass

    @staticmethod
    def post_pass(hdlr_mod, logger, meta):
        pass

    @staticmethod
    def pre_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def pre_data_obj_modify(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def post_data_obj_modify(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def pre_coll_create(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def post_coll_create(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def pre_coll_modify(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def post_coll_modify(hdlr_mod, logger, session, meta, *args, **options):
        pass

    @staticmethod
    def pre_data_obj_delete(hdlr_mod, session, meta, *args, **options):
        pass

    @staticmethod
    def post_data_obj_delete(hdlr_mod, session, meta, *args, **options):
        pass

    @staticmethod
    def pre_coll_delete(hdlr_mod, session, meta, *args, **options):
        pass

    @staticmethod
    def post_coll_delete(hdlr_mod, session, meta, *args, **options):
        pass
"""#,
        "irods_capability_automated_ingest/utils.py": #"""
"""The operations and delete modes an event handler returns, numbered as iRODS automated ingest numbers them."""
import enum


class Operation(enum.Enum):
    REGISTER_SYNC = 0
    REGISTER_AS_REPLICA_SYNC = 1
    PUT = 2
    PUT_SYNC = 3
    PUT_APPEND = 4
    NO_OP = 5


class DeleteMode(enum.Enum):
    DO_NOT_DELETE = 0
    UNREGISTER = 1
    TRASH = 2
    NO_TRASH = 3
"""#,
        "irods_capability_automated_ingest/redis_utils.py": #"""
"""`get_redis(config)` for event handlers: counters and values shared by every worker of a job.

There is no Redis server behind it. Each call goes to Ingest, which keeps the values where all its
workers see them, so a handler's counters work the same whichever broker the job uses.
"""
import datetime

import ingest_policy_channel


def _text(value, what):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError("%s must be bytes, str, int or float, not %s" % (what, type(value).__name__))


def _seconds(value):
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value)


class SharedValues(object):
    """The subset of redis-py's client that handlers use: values come back as bytes, counters as int."""

    def get(self, key):
        value = ingest_policy_channel.call("shared", command="get", key=_text(key, "key"))
        return None if value is None else value.encode("utf-8")

    def set(self, key, value, ex=None):
        ingest_policy_channel.call(
            "shared", command="set", key=_text(key, "key"), value=_text(value, "value"), seconds=_seconds(ex))
        return True

    def incr(self, key, amount=1):
        return int(ingest_policy_channel.call("shared", command="incr", key=_text(key, "key"), amount=int(amount)))

    incrby = incr

    def delete(self, *keys):
        names = [_text(key, "key") for key in keys]
        return int(ingest_policy_channel.call("shared", command="delete", keys=names))

    def expire(self, key, seconds):
        return bool(ingest_policy_channel.call("shared", command="expire", key=_text(key, "key"), seconds=_seconds(seconds)))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotImplementedError(
            "redis .%s() is not supported by Ingest's event handler host; get_redis(config) offers "
            "get, set, incr, delete and expire" % name)


_shared = SharedValues()


def get_redis(config=None):
    return _shared
"""#,
        "fallback/irods/__init__.py": #"""
"""Ingest's fallback for python-irodsclient's `irods` package, used only when that package is not installed."""
"""#,
        "fallback/irods/meta.py": #"""
"""`iRODSMeta`, as python-irodsclient spells a metadata triple."""


class iRODSMeta(object):
    def __init__(self, name, value, units=None, avu_id=None):
        self.name = name
        self.value = value
        self.units = units
        self.avu_id = avu_id

    def __eq__(self, other):
        return (self.name, self.value, self.units or "") == (
            getattr(other, "name", None), getattr(other, "value", None), getattr(other, "units", None) or "")

    def __hash__(self):
        return hash((self.name, self.value, self.units or ""))

    def __repr__(self):
        return "<iRODSMeta %s %s %s>" % (self.name, self.value, self.units)
"""#,
        "fallback/irods/exception.py": #"""
"""The exceptions python-irodsclient raises for missing objects, so handlers can catch them by name."""


class iRODSException(Exception):
    pass


class DoesNotExist(iRODSException):
    pass


class DataObjectDoesNotExist(DoesNotExist):
    pass


class CollectionDoesNotExist(DoesNotExist):
    pass
"""#,
    ]
}
