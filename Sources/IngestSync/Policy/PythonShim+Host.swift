extension PythonShim {
    /// The host's request loop (the protocol's Python side) and the channel handler code calls back through.
    static let hostFiles: [String: String] = [
        "ingest_policy_host.py": #"""
"""Ingest's event handler host: runs an iRODS automated ingest event handler file for Ingest.

Ingest starts `python -u ingest_policy_host.py FALLBACK_DIR` and speaks JSON lines: requests on
stdin, replies (and callbacks, which Ingest answers on stdin) on the original stdout. User code's
print() goes to stderr, which Ingest logs. The host exits when stdin ends. PythonHost.swift
documents the protocol.
"""
import dis
import inspect
import json
import linecache
import os
import sys
import traceback
import types

import ingest_policy_channel
from ingest_policy_charmap import CharacterMapError, compile_map, translate
from ingest_policy_session import CallContext, Logger, Session

DECISIONS = ("operation", "to_resource", "target_path", "as_user", "max_retries", "timeout", "delay", "character_map")
HOOKS = (
    "pre_job", "post_job", "pre_pass", "post_pass",
    "pre_data_obj_create", "post_data_obj_create", "pre_data_obj_modify", "post_data_obj_modify",
    "pre_coll_create", "post_coll_create", "pre_coll_modify", "post_coll_modify",
    "pre_data_obj_delete", "post_data_obj_delete", "pre_coll_delete", "post_coll_delete")
JOB_HOOKS = ("pre_job", "post_job", "pre_pass", "post_pass")
DELETE_HOOKS = ("pre_data_obj_delete", "post_data_obj_delete", "pre_coll_delete", "post_coll_delete")
WRAPPERS = ("on_data_obj_create", "on_data_obj_modify", "on_data_obj_delete", "on_coll_create", "on_coll_modify", "on_coll_delete")
COPY_OPERATIONS = ("PUT", "PUT_SYNC", "PUT_APPEND")
SHIM_DIRECTORY = os.path.dirname(os.path.abspath(__file__)) + os.sep
CONFIG = {"log": {"level": "info"}, "redis": {"host": "localhost", "port": 6379, "db": 0}}


def _implementation(value):
    return getattr(value, "__func__", value)


def _defines(cls, name, base):
    value = getattr(cls, name, None)
    if value is None:
        return False
    return base is None or _implementation(value) is not _implementation(getattr(base, name, None))


def _ours(frame):
    return frame.filename.startswith(SHIM_DIRECTORY)


def _failure():
    """The current exception's traceback without the host's frames around the handler's: it starts at
    the handler's file and line, and ends where the handler called what raised."""
    kind, error, frames = sys.exc_info()
    report = traceback.TracebackException(kind, error, frames)
    stack = list(report.stack)
    while stack and _ours(stack[0]):
        stack.pop(0)
    while len(stack) > 1 and _ours(stack[-1]):
        stack.pop()
    if stack:
        report.stack = traceback.StackSummary.from_list(stack)
    return "".join(report.format()).rstrip("\n")


_READS = {}


def _reads_variable(code, name):
    """Whether the function's body uses the local `name` at all (or could, through locals())."""
    found = _READS.get(code)
    if found is None:
        found = name in code.co_cellvars or "locals" in code.co_names or "vars" in code.co_names
        if not found:
            for instruction in dis.get_instructions(code):
                value = instruction.argval
                if instruction.opname.startswith(("LOAD_", "DELETE_", "STORE_")) and (
                        value == name or (isinstance(value, tuple) and name in value)):
                    found = True
                    break
        _READS[code] = found
    return found


def _call_keeping_options(method, args, options):
    """Calls a hook and returns its `**options` as the hook left them.

    A callee's `**options` is a new dict, so what a pre hook writes there would be lost; the hook's
    own dict is read from its frame as it returns (a profile function watching that one code object).
    """
    code = getattr(_implementation(method), "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARKEYWORDS:
        method(*args, **options)
        return options
    index = code.co_argcount + code.co_kwonlyargcount + (1 if code.co_flags & inspect.CO_VARARGS else 0)
    name = code.co_varnames[index]
    if not _reads_variable(code, name):
        # A hook that never touches its options cannot change them: no profile function, which
        # would slow every call the hook makes.
        method(*args, **options)
        return options
    seen = {}

    def watch(frame, event, arg):
        if event == "return" and frame.f_code is code and "options" not in seen:
            seen["options"] = frame.f_locals.get(name)

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        method(*args, **options)
    finally:
        sys.setprofile(previous)
    left = seen.get("options")
    return left if isinstance(left, dict) else options


def _enum_name(value, enum_type, method):
    if value is None:
        return None
    members = enum_type.__members__
    name = getattr(value, "name", None)
    if isinstance(name, str) and name in members and hasattr(value, "value"):
        return name
    if isinstance(value, int) and not isinstance(value, bool):
        for member in enum_type:
            if member.value == value:
                return member.name
    if isinstance(value, str):
        key = value.rsplit(".", 1)[-1].upper()
        if key in members:
            return key
    raise ValueError("%s() returned %r; expected one of %s" % (
        method, value, ", ".join(enum_type.__name__ + "." + member for member in members)))


def _text_result(value, method):
    if value is None or isinstance(value, str):
        return value
    raise TypeError("%s() returned %r; expected a str" % (method, value))


def _user(value):
    if isinstance(value, (tuple, list)) and value:
        value = value[-1]
    return _text_result(value, "as_user")


def _number(value, method, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s() returned %r; expected a number" % (method, value))
    return kind(value)


class Channel(object):
    """The protocol's line transport; `call` is a callback: Ingest answers before anything else."""

    def __init__(self, requests, replies):
        self.requests = requests
        self.replies = replies
        self.callbacks = 0

    def send(self, message):
        self.replies.write(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")
        self.replies.flush()

    def receive(self):
        line = self.requests.readline()
        if not line:
            os._exit(0)
        return json.loads(line)

    def call(self, op, fields):
        self.callbacks += 1
        number = self.callbacks
        message = {"callback": number, "op": op}
        message.update(fields)
        self.send(message)
        answer = self.receive()
        if answer.get("callback") != number:
            raise RuntimeError("Ingest answered %r to callback %d" % (answer, number))
        if "error" in answer:
            raise ingest_policy_channel.CallbackError(answer["error"])
        return answer.get("result")


class Host(object):
    def __init__(self):
        from irods_capability_automated_ingest.core import Core
        from irods_capability_automated_ingest.utils import DeleteMode, Operation
        self.core = Core
        self.operation_type = Operation
        self.delete_mode_type = DeleteMode
        self.module = None
        self.handler = None
        self.defined = frozenset()
        self.character_rules = []
        self.operation_names = dict((member, member.name) for member in Operation)

    # Loading

    def load(self, body):
        filename = body["filename"]
        text = body["text"]
        try:
            code = compile(text, filename, "exec", dont_inherit=True)
        except SyntaxError as error:
            return {"problem": {"kind": "syntax", "message": str(error.msg), "line": error.lineno,
                                "column": error.offset, "text": (error.text or "").rstrip("\n")}}
        module = types.ModuleType("ingest_event_handler")
        module.__file__ = filename
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        sys.modules[module.__name__] = module
        try:
            exec(code, module.__dict__)
        except BaseException:
            return {"problem": {"kind": "import", "message": _failure()}}
        handler = getattr(module, "event_handler", None)
        if handler is None:
            return {"problem": {"kind": "missing_class", "message": "no class event_handler"}}
        if not isinstance(handler, type):
            return {"problem": {"kind": "missing_class", "message": "event_handler is a %s, not a class" % type(handler).__name__}}
        core = self.core if issubclass(handler, self.core) else None
        wrapped = [name for name in WRAPPERS if _defines(handler, name, core) and hasattr(handler, name)]
        if wrapped:
            return {"problem": {"kind": "unsupported", "message": (
                "event_handler overrides %s, which wraps the transfer itself; Ingest runs the pre_ and post_ "
                "hooks around its own transfer, so move that code into them" % ", ".join(wrapped))}}
        defined = [name for name in DECISIONS + HOOKS + ("delete_mode",) if _defines(handler, name, core)]
        self.module = module
        self.handler = handler
        self.defined = frozenset(defined)
        if "character_map" in self.defined:
            try:
                self.character_rules = compile_map(handler.character_map())
            except CharacterMapError as error:
                return {"problem": {"kind": "character_map", "message": str(error)}}
            except BaseException:
                return {"problem": {"kind": "character_map", "message": _failure()}}
        return {"defined": defined}

    # meta

    def job_meta(self, job):
        return {"root": job["root"], "job_name": job["name"], "config": CONFIG}

    def entry_meta(self, base, entry):
        meta = dict(base)
        (meta["path"], meta["target"], meta["size"], mtime, ctime,
         meta["is_link"], meta["is_socket"], meta["entry_type"]) = entry
        meta["mtime"] = mtime / 1e9
        meta["ctime"] = ctime / 1e9
        return meta

    # Requests

    def decide(self, body):
        """One result per entry. The batch shares one read-only session (decision methods read the
        catalog but never write it); each entry gets its own log records."""
        handler = self.handler
        defined = self.defined
        base = self.job_meta(body["job"])
        context = CallContext({}, read_only=True)
        session = Session(context)
        file_methods = [name for name in DECISIONS if name in defined and name != "character_map"]
        only_operation = file_methods == ["operation"]
        operation_names = self.operation_names
        rules = self.character_rules
        results = []
        for entry in body["entries"]:
            meta = self.entry_meta(base, entry)
            result = {}
            try:
                if meta["entry_type"] == "file" and file_methods:
                    if only_operation:
                        value = handler.operation(session, meta)
                        name = operation_names.get(value) if type(value) is self.operation_type else None
                        if name is None:
                            name = _enum_name(value, self.operation_type, "operation")
                        if name is not None:
                            result["operation"] = name
                    else:
                        self.decide_file(handler, defined, meta, session, context, result)
                if rules:
                    name = meta["path"].rstrip("/").rsplit("/", 1)[-1]
                    renamed = translate(name, rules)
                    if renamed != name:
                        result["name"] = renamed
            except BaseException:
                result = {"error": _failure()}
                if rules:
                    # The entry's catalog name stays known, so a failure never looks like a deletion.
                    try:
                        name = meta["path"].rstrip("/").rsplit("/", 1)[-1]
                        renamed = translate(name, rules)
                        if renamed != name:
                            result["name"] = renamed
                    except BaseException:
                        pass
            if context.logs:
                result["logs"] = context.logs
                context.logs = []
            results.append(result)
        return results

    def decide_file(self, handler, defined, meta, session, context, result):
        if "operation" in defined:
            name = _enum_name(handler.operation(session, meta), self.operation_type, "operation")
            if name is not None:
                result["operation"] = name
        if "to_resource" in defined:
            resource = _text_result(handler.to_resource(session, meta), "to_resource")
            if resource is not None:
                result["resource"] = resource
        if "target_path" in defined:
            path = _text_result(handler.target_path(session, meta), "target_path")
            if path is not None:
                result["physical_path"] = path
        if "as_user" in defined:
            user = _user(handler.as_user(meta))
            if user is not None:
                result["owner"] = user
        if "max_retries" in defined or "timeout" in defined or "delay" in defined:
            logger = Logger(context.logs)
            if "max_retries" in defined:
                result["max_retries"] = _number(handler.max_retries(handler, logger, meta), "max_retries", int)
            if "timeout" in defined:
                result["timeout"] = _number(handler.timeout(handler, logger, meta), "timeout", float)
            if "delay" in defined:
                result["delay"] = _number(handler.delay(handler, logger, meta, 0), "delay", float)

    def delete_mode(self, body):
        meta = self.entry_meta(self.job_meta(body["job"]), body["entry"])
        try:
            return {"mode": _enum_name(self.handler.delete_mode(meta), self.delete_mode_type, "delete_mode")}
        except BaseException:
            return {"error": _failure()}

    def hooks(self, body):
        job = body["job"]
        base = self.job_meta(job)
        lookups = {}
        results = []
        for call in body["calls"]:
            hook = call["hook"]
            options = dict(call.get("options") or {})
            if call.get("entry") is not None:
                meta = self.entry_meta(base, call["entry"])
            else:
                meta = dict(base, path=job["root"], target=job["target"])
            if call.get("exists") is not None and call.get("entry") is not None:
                # What Ingest knows of the target (just registered, about to be created): no callback.
                kind = "collection" if "_coll_" in hook else "data_object"
                lookups.setdefault((kind, meta["target"]), {"exists": call["exists"]})
            if hook in JOB_HOOKS and "pass" in options:
                meta["pass"] = int(options["pass"])
            context = CallContext(lookups)
            result = {}
            try:
                method = getattr(self.handler, hook)
                args = (self.operation_type[call["operation"]],) if call.get("operation") in COPY_OPERATIONS else ()
                if hook in JOB_HOOKS:
                    method(self.module, Logger(context.logs), meta)
                elif hook in DELETE_HOOKS:
                    options = _call_keeping_options(method, (self.module, Session(context), meta) + args, options)
                else:
                    options = _call_keeping_options(
                        method, (self.module, Logger(context.logs), Session(context), meta) + args, options)
                result["options"] = dict((str(key), value if isinstance(value, str) else str(value))
                                         for key, value in options.items())
                if context.effects:
                    result["effects"] = context.effects
            except BaseException:
                result["error"] = _failure()
            if context.logs:
                result["logs"] = context.logs
            results.append(result)
        return results

    def handle(self, request):
        op = request.get("op")
        body = request.get("body") or {}
        if op == "load":
            return self.load(body)
        if self.handler is None:
            raise RuntimeError("%r before a successful load" % (op,))
        if op == "decide":
            return self.decide(body)
        if op == "hooks":
            return self.hooks(body)
        if op == "delete_mode":
            return self.delete_mode(body)
        raise ValueError("unknown request %r" % (op,))


def _exit_with_parent():
    """A worker that dies (kill -9) while a hook loops leaves no Python behind: stdin's end is only
    seen between requests, so a thread watches for the parent going away."""
    import threading
    import time
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main():
    _exit_with_parent()
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.close(nothing)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if len(sys.argv) > 1 and sys.argv[1] not in sys.path:
        sys.path.append(sys.argv[1])
    channel = Channel(requests, replies)
    ingest_policy_channel.transport = channel.call
    host = Host()
    while True:
        line = requests.readline()
        if not line:
            return
        request = json.loads(line)
        try:
            reply = {"id": request["id"], "result": host.handle(request)}
        except Exception:
            reply = {"id": request.get("id"), "error": traceback.format_exc().rstrip("\n")}
        channel.send(reply)


if __name__ == "__main__":
    main()
"""#,
        "ingest_policy_channel.py": #"""
"""How code inside a handler call asks Ingest something while the call runs (a catalog read, a shared counter)."""

transport = None


class CallbackError(Exception):
    """Ingest could not answer: the message says why."""


def call(op, **fields):
    if transport is None:
        raise RuntimeError("this runs only inside Ingest's event handler host")
    return transport(op, fields)
"""#,
    ]
}
