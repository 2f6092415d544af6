import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The output of a process that ended (or whose input broke) while a request was outstanding.
struct ProcessEnded: Error {
    var description: String
}

/// Why a process could not be started.
enum ProcessLaunchError: Error, CustomStringConvertible {
    case notFound(executable: String)
    case failed(executable: String, errno: Int32)

    var description: String {
        switch self {
        case .notFound(let executable): "'\(executable)' was not found"
        case .failed(let executable, let code): "'\(executable)' could not be started: \(String(cString: strerror(code)))"
        }
    }
}

/// One running python: its pid, its stdin, and its stdout as lines. Its stderr goes to the log, line
/// by line. Standard streams are socket pairs, made close-on-exec atomically (Glibc has no pipe2), so
/// no other child inherits them, and writes to a dead process fail with EPIPE instead of SIGPIPE.
final class PythonProcess: Sendable {
    let lines = LineChannel()
    let child: ChildState
    private let input: Int32

    var pid: pid_t { child.pid }

    private init(child: ChildState, input: Int32) {
        self.child = child
        self.input = input
    }

    deinit {
        child.kill()
        close(input)
    }

    /// Starts `executable` (searched on PATH unless it has a slash) in a process group of its own, so
    /// a terminal's Ctrl-C reaches the worker, which decides, and not the handler mid-call.
    static func launch(executable: String, arguments: [String], environment: [String: String], logger: Logger) throws -> PythonProcess {
        let stdin = try socketPair()
        let stdout: (parent: Int32, child: Int32)
        let stderr: (parent: Int32, child: Int32)
        do {
            stdout = try socketPair()
            do {
                stderr = try socketPair()
            } catch {
                close(stdout.parent)
                close(stdout.child)
                throw error
            }
        } catch {
            close(stdin.parent)
            close(stdin.child)
            throw error
        }
        defer {
            close(stdin.child)
            close(stdout.child)
            close(stderr.child)
        }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments: arguments, environment: environment, streams: (stdin.child, stdout.child, stderr.child))
        } catch {
            close(stdin.parent)
            close(stdout.parent)
            close(stderr.parent)
            throw error
        }
        let process = PythonProcess(child: ChildState(pid: pid), input: stdin.parent)
        let child = process.child
        let lines = process.lines
        LineReader.start(
            name: "python \(pid) stderr", descriptor: stderr.parent,
            line: { line in
                let text = String(decoding: line, as: UTF8.self)
                child.noteStderr(text)
                logger.info("\(text)", metadata: ["python_pid": "\(pid)"])
            },
            end: { child.noteStderrEnded() })
        LineReader.start(
            name: "python \(pid) stdout", descriptor: stdout.parent, line: { lines.push($0) },
            end: {
                child.awaitExit()
                lines.finish()
            })
        return process
    }

    /// Writes all of `data` to the process's stdin.
    /// - Throws: `ProcessEnded` when the process is gone.
    func write(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let sent = send(input, base + offset, raw.count - offset, Self.sendFlags)
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw ProcessEnded(description: "its input closed (\(String(cString: strerror(errno))))")
                }
                offset += sent
            }
        }
    }

    func kill() {
        child.kill()
    }

    #if canImport(Glibc)
        private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
        private static let sendFlags: Int32 = 0
    #endif

    private static func socketPair() throws -> (parent: Int32, child: Int32) {
        var pair: [Int32] = [-1, -1]
        #if canImport(Glibc)
            let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair)
        #else
            let made = socketpair(AF_UNIX, SOCK_STREAM, 0, &pair)
        #endif
        guard made == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        #if !canImport(Glibc)
            for descriptor in pair { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            var one: Int32 = 1
            _ = setsockopt(pair[0], SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return (pair[0], pair[1])
    }
}
