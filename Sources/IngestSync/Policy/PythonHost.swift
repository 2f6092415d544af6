// The event handler host protocol
//
// Ingest starts `python -u <shim>/ingest_policy_host.py <shim>/fallback` (PythonShim) and talks to it
// in JSON, one object per line, UTF-8. Requests go to the host's stdin; replies and callbacks come on
// its stdout, which the host keeps for the protocol alone (it points fd 1 and sys.stdout at stderr, so
// a handler's print() lands in Ingest's log). The host exits when its stdin ends.
//
// Requests, one at a time: {"id": n, "op": OP, "body": {...}}
//   load         {"filename", "text"}                  -> {"defined": [method names]} or {"problem":
//                                                         {"kind", "message", "line"?, "column"?, "text"?}}
//   decide       {"job", "entries": [ENTRY...]}        -> [DECISION per entry, in order]
//   delete_mode  {"job", "entry": ENTRY}               -> {"mode": "UNREGISTER"|null} or {"error": traceback}
//   hooks        {"job", "calls": [{"hook", "entry": ENTRY|null, "operation": "PUT_SYNC"|null,
//                                   "options": {str: str}}]}
//                                                      -> [{"options", "effects"?, "logs"?, "error"?}
//                                                          per call, in order]
// ENTRY is [path, target, size, mtime_ns, ctime_ns, is_link, is_socket, "file"|"directory"]; "job" is
// PolicyJob's JSON. A DECISION holds only what the handler decided: "operation" (Operation member's
// name), "resource", "physical_path", "name" (character_map), "owner", "max_retries", "timeout",
// "delay"; or "error" (the traceback); plus "logs". LOG is {"level", "message", "fields"?}; EFFECT is
// {"op": "add"|"remove"|"remove_all", "path", "attribute", "value"?, "units"?}.
//
// Replies: {"id": n, "result": ...}, or {"id": n, "error": traceback} when the host itself failed.
// A handler's own exception is never a request error: it is that entry's or call's "error".
//
// Callbacks: while a request is outstanding, the host may write {"callback": k, "op": ..., ...} (always
// with "callback" as the first key) and wait; Ingest answers on stdin with {"callback": k, "result":
// ...} or {"callback": k, "error": "message"} before anything else.
//   lookup   {"kind": "data_object"|"collection", "path"}  -> {"exists": bool, "metadata": [[a, v, u]...]}
//   shared   {"command": "get"|"set"|"incr"|"delete"|"expire", "key"?, "keys"?, "value"?, "amount"?,
//             "seconds"?}                                  -> the value (get: str|null, incr: int, ...)
//
// Effects (metadata writes, log records) are buffered in Python and carried by the reply, so Ingest
// applies them only after a call returned: a request repeated after the host died applies them once.

import Foundation
import Logging

/// Runs one event handler file in a python process, one request at a time, answering the callbacks
/// that arrive meanwhile. If the process dies, it is started again (and the handler loaded again) and
/// the interrupted request is sent once more: that is safe because effects are applied by Swift, after
/// a reply, never by Python.
actor PythonHost {
    /// Worker settings that may hold passwords, kept from the handler's process.
    static let credentialVariables: Set<String> = [
        "INGEST_BROKER_URL", "INGEST_CATALOG_URL", "REDIS_PASSWORD", "PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]

    typealias Callbacks = @Sendable (HostCallback) async throws -> JSONValue

    private let python: String
    private let loadLine: Data
    private let callbacks: Callbacks
    private let logger: Logger
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    private var process: PythonProcess?
    private var nextID = 1
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private static let callbackPrefix = Data(#"{"callback""#.utf8)

    init(python: String, filename: String, text: String, logger: Logger, callbacks: @escaping Callbacks) throws {
        self.python = python
        self.callbacks = callbacks
        self.logger = logger
        loadLine = try JSONEncoder().encode(HostRequest(id: 0, op: "load", body: LoadBody(filename: filename, text: text))) + Data([10])
    }

    /// Starts python and loads the handler.
    /// - Returns: what the handler defines, or its problem (the process is stopped then).
    func start() async throws -> LoadResult {
        await acquire()
        defer { release() }
        let process = try launch()
        let loaded: LoadResult
        do {
            loaded = try await exchange(loadLine, on: process, expecting: LoadResult.self)
        } catch let ended as ProcessEnded {
            process.kill()
            throw PythonHostError.died(ended.description)
        }
        if loaded.problem == nil {
            self.process = process
        } else {
            process.kill()
        }
        return loaded
    }

    /// Sends one request and returns its result.
    /// - Throws: `PythonHostError` when the process died twice, the handler no longer loads, or the
    ///   host itself failed; `CancellationError` (the process is killed: its state is unknown).
    func send<Body: Encodable & Sendable, Result: Decodable & Sendable>(_ op: String, _ body: Body, expecting: Result.Type) async throws -> Result {
        await acquire()
        defer { release() }
        let line = try encoder.encode(HostRequest(id: nextID, op: op, body: body)) + Data([10])
        nextID += 1
        var repeated = false
        while true {
            try Task.checkCancellation()
            do {
                let process = try await running()
                return try await exchange(line, on: process, expecting: Result.self)
            } catch let ended as ProcessEnded {
                discardProcess()
                try Task.checkCancellation()
                guard !repeated else { throw PythonHostError.died(ended.description) }
                repeated = true
                logger.warning("the event handler's python process \(ended.description); starting it again and repeating the request")
            } catch let error as PythonHostError {
                // The host's own failure leaves it able to take the next request; anything else
                // (an unreadable line, a handler that no longer loads) leaves it in an unknown state.
                if case .hostFailed = error {} else { discardProcess() }
                throw error
            } catch {
                discardProcess()
                throw error
            }
        }
    }

    /// The running process's pid, if one runs (for tests).
    var processID: pid_t? { process?.pid }

    /// Stops the process. A later request starts it again.
    func shutdown() {
        discardProcess()
    }

    // MARK: - Process

    /// `python -u HOST FALLBACK`: unbuffered, and without `-I`, which would also drop PYTHONPATH and
    /// the user's site-packages, where python-irodsclient and a handler's own imports live. The shim
    /// is found first anyway: the host script's directory heads `sys.path`.
    private func launch() throws -> PythonProcess {
        let directory = try PythonShim.directory()
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONIOENCODING"] = "utf-8:backslashreplace"
        // Handlers reach Ingest's state through the host, never with the worker's credentials.
        for name in environment.keys where Self.credentialVariables.contains(name) { environment[name] = nil }
        do {
            return try PythonProcess.launch(
                executable: python,
                arguments: ["-u", directory + "/" + PythonShim.hostScript, directory + "/" + PythonShim.fallbackDirectory],
                environment: environment, logger: logger)
        } catch let error as ProcessLaunchError {
            throw PythonHostError.launch(error)
        }
    }

    /// The live process, started and loaded if there is none.
    private func running() async throws -> PythonProcess {
        if let process, !process.lines.isFinished {
            return process
        }
        discardProcess()
        let started = try launch()
        process = started
        let loaded = try await exchange(loadLine, on: started, expecting: LoadResult.self)
        if let problem = loaded.problem {
            discardProcess()
            throw PythonHostError.reloadFailed(problem)
        }
        return started
    }

    private func discardProcess() {
        process?.kill()
        process = nil
    }

    /// Writes a request line and reads until its reply, answering callbacks meanwhile.
    private func exchange<Result: Decodable & Sendable>(_ line: Data, on process: PythonProcess, expecting: Result.Type) async throws -> Result {
        try await write(line, to: process)
        while true {
            let received = await withTaskCancellationHandler {
                await process.lines.next()
            } onCancel: {
                process.kill()
            }
            guard let received else {
                throw ProcessEnded(description: process.child.endDescription)
            }
            if received.starts(with: Self.callbackPrefix) {
                try await answer(received, on: process)
                continue
            }
            let reply: HostReply<Result>
            do {
                reply = try decoder.decode(HostReply<Result>.self, from: received)
            } catch {
                throw PythonHostError.protocolViolation("unreadable reply (\(error)): \(String(decoding: received.prefix(500), as: UTF8.self))")
            }
            if let error = reply.error {
                throw PythonHostError.hostFailed(error)
            }
            guard let result = reply.result else {
                throw PythonHostError.protocolViolation("a reply without result: \(String(decoding: received.prefix(500), as: UTF8.self))")
            }
            return result
        }
    }

    private func answer(_ line: Data, on process: PythonProcess) async throws {
        let callback: HostCallback
        do {
            callback = try decoder.decode(HostCallback.self, from: line)
        } catch {
            throw PythonHostError.protocolViolation("unreadable callback (\(error))")
        }
        var answer = CallbackAnswer(callback: callback.callback)
        do {
            answer.result = try await callbacks(callback)
        } catch {
            answer.error = String(describing: error)
        }
        try await write(try encoder.encode(answer) + Data([10]), to: process)
    }

    /// A write to a process whose input broke: it is ending; wait for its end to say why.
    private func write(_ line: Data, to process: PythonProcess) async throws {
        do {
            try process.write(line)
        } catch is ProcessEnded {
            process.kill()
            while await process.lines.next() != nil {}
            throw ProcessEnded(description: process.child.endDescription)
        }
    }

    // MARK: - One request at a time

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
