extension PythonShim {
    /// The emulated iRODS session, metadata and logger handed to handler calls.
    static let sessionFiles: [String: String] = [
        "ingest_policy_session.py": #"""
"""What a handler call sees of iRODS: a session, a logger, and what the call leaves behind.

Reads go to Ingest's catalog through the channel; writes are kept in the call's `CallContext` and
sent back with the reply, so Ingest applies them only for a call that returned (never for one that
raised, nor twice when a call is run again after the host died).
"""
import os.path
import traceback

import ingest_policy_channel


class UnsupportedByIngest(NotImplementedError):
    """A python-irodsclient call Ingest's host does not emulate."""

    def __init__(self, call):
        NotImplementedError.__init__(
            self,
            "%s is not supported by Ingest's event handler host: it offers session.data_objects and "
            "session.collections .get() and .exists(), and .metadata on what .get() returns" % call)


class CallContext(object):
    """One handler call: its log records and buffered catalog writes.

    `lookups` is shared by every call of one request: nothing is applied to the catalog until the
    request's reply, so what the catalog said once holds for the whole request.
    """

    __slots__ = ("logs", "effects", "lookups", "read_only")

    def __init__(self, lookups, read_only=False):
        self.logs = []
        self.effects = []
        self.lookups = lookups
        self.read_only = read_only

    def lookup(self, kind, path, metadata=False):
        key = (kind, path)
        found = self.lookups.get(key)
        if found is None or (metadata and found.get("exists") and "metadata" not in found):
            found = ingest_policy_channel.call("lookup", kind=kind, path=path)
            self.lookups[key] = found
        return found

    def write(self, effect, call):
        if self.read_only:
            raise UnsupportedByIngest(
                call + " in a decision method such as operation() (write metadata in a pre_ or post_ hook)")
        self.effects.append(effect)


def _meta_class():
    from irods.meta import iRODSMeta
    return iRODSMeta


def _missing(kind, path):
    from irods import exception
    if kind == "data_object":
        return exception.DataObjectDoesNotExist(path)
    return exception.CollectionDoesNotExist(path)


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _triple(args, keywords, call):
    if len(args) == 1 and not keywords and hasattr(args[0], "name"):
        item = args[0]
        return _text(item.name), _text(item.value), "" if item.units is None else _text(item.units)
    names = ("name", "value", "units")
    values = dict(zip(names, args))
    values.update(keywords)
    if "name" not in values or "value" not in values or len(args) > 3 or set(values) - set(names):
        raise TypeError("%s takes (name, value, units=None) or an iRODSMeta" % call)
    units = values.get("units")
    return _text(values["name"]), _text(values["value"]), "" if units is None else _text(units)


class Metadata(object):
    """python-irodsclient's `obj.metadata`: the catalog's triples with this call's own writes on top."""

    def __init__(self, context, kind, path):
        self._context = context
        self._kind = kind
        self._path = path

    def _label(self, method):
        return "%s('%s').metadata.%s" % ("session.data_objects.get" if self._kind == "data_object"
                                          else "session.collections.get", self._path, method)

    def _triples(self):
        current = [tuple(item) for item in self._context.lookup(self._kind, self._path, metadata=True).get("metadata") or []]
        for effect in self._context.effects:
            if effect["path"] != self._path:
                continue
            triple = (effect.get("attribute"), effect.get("value"), effect.get("units"))
            if effect["op"] == "add":
                if triple not in current:
                    current.append(triple)
            elif effect["op"] == "remove":
                current = [item for item in current if item != triple]
            elif effect["op"] == "remove_all":
                current = [item for item in current if item[0] != effect["attribute"]]
        return current

    def _write(self, op, triple, method):
        effect = {"op": op, "path": self._path, "attribute": triple[0]}
        if op != "remove_all":
            effect["value"] = triple[1]
            effect["units"] = triple[2]
        self._context.write(effect, self._label(method + "()"))

    def add(self, *args, **keywords):
        self._write("add", _triple(args, keywords, self._label("add()")), "add")

    def remove(self, *args, **keywords):
        self._write("remove", _triple(args, keywords, self._label("remove()")), "remove")

    def remove_all(self):
        for name in self.keys():
            self._write("remove_all", (name,), "remove_all")

    def __setitem__(self, name, item):
        if hasattr(item, "name"):
            triple = _triple((item,), {}, self._label("__setitem__()"))
        else:
            triple = (_text(name), _text(item), "")
        self._write("remove_all", (_text(name),), "__setitem__")
        self._write("add", (_text(name), triple[1], triple[2]), "__setitem__")

    def __delitem__(self, name):
        self._write("remove_all", (_text(name),), "__delitem__")

    def get_all(self, name):
        meta = _meta_class()
        return [meta(*triple) for triple in self._triples() if triple[0] == name]

    def get_one(self, name):
        found = self.get_all(name)
        if not found:
            raise KeyError(name)
        return found[0]

    __getitem__ = get_one

    def items(self):
        meta = _meta_class()
        return [meta(*triple) for triple in self._triples()]

    def keys(self):
        names = []
        for triple in self._triples():
            if triple[0] not in names:
                names.append(triple[0])
        return names

    def __contains__(self, name):
        return name in self.keys()

    def __iter__(self):
        return iter(self.items())

    def __len__(self):
        return len(self._triples())

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedByIngest(self._label(name))


class CatalogObject(object):
    """A data object or collection as `.get()` returns it: its path, name and metadata."""

    def __init__(self, context, kind, path):
        self.path = path
        self.name = os.path.basename(path.rstrip("/")) or path
        self.metadata = Metadata(context, kind, path)
        self._kind = kind

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        what = "data object" if self._kind == "data_object" else "collection"
        raise UnsupportedByIngest("%s .%s" % (what, name))

    def __repr__(self):
        return "<%s %s>" % (self._kind, self.path)


class Manager(object):
    """`session.data_objects` or `session.collections`."""

    def __init__(self, context, kind, label):
        self._context = context
        self._kind = kind
        self._label = label

    def get(self, path):
        path = _text(path)
        if not self._context.lookup(self._kind, path).get("exists"):
            raise _missing(self._kind, path)
        return CatalogObject(self._context, self._kind, path)

    def exists(self, path):
        return bool(self._context.lookup(self._kind, _text(path)).get("exists"))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedByIngest("%s.%s" % (self._label, name))


class Session(object):
    """Enough of python-irodsclient's iRODSSession for handlers that read and write metadata."""

    def __init__(self, context):
        self.data_objects = Manager(context, "data_object", "session.data_objects")
        self.collections = Manager(context, "collection", "session.collections")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedByIngest("session." + name)


_LEVELS = ("debug", "info", "warning", "error", "critical")


class Logger(object):
    """A structlog-style logger: keyword arguments become fields of the record Ingest logs."""

    def __init__(self, records, bound=None):
        self._records = records
        self._bound = bound or {}

    def _log(self, level, message, args, fields):
        text = _text(message)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text] + [_text(arg) for arg in args])
        record = {"level": level, "message": text}
        exc_info = fields.pop("exc_info", False)
        merged = dict(self._bound)
        merged.update(fields)
        if exc_info or level == "exception":
            merged["exception"] = traceback.format_exc().rstrip("\n")
        if merged:
            record["fields"] = dict((_text(key), _text(value)) for key, value in merged.items())
        self._records.append(record)

    def debug(self, message, *args, **fields):
        self._log("debug", message, args, fields)

    def info(self, message, *args, **fields):
        self._log("info", message, args, fields)

    def warning(self, message, *args, **fields):
        self._log("warning", message, args, fields)

    warn = warning

    def error(self, message, *args, **fields):
        self._log("error", message, args, fields)

    def exception(self, message, *args, **fields):
        self._log("exception", message, args, fields)

    def critical(self, message, *args, **fields):
        self._log("critical", message, args, fields)

    def log(self, level, message, *args, **fields):
        name = level if isinstance(level, str) else {10: "debug", 20: "info", 30: "warning", 40: "error"}.get(level, "critical")
        self._log(name.lower() if name.lower() in _LEVELS else "info", message, args, fields)

    def bind(self, **fields):
        merged = dict(self._bound)
        merged.update(fields)
        return Logger(self._records, merged)
"""#,
    ]
}
