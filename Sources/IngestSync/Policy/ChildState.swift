import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A spawned child's end: killing it while its pid is still ours, reaping it, and what it said on
/// stderr last, for messages saying why it ended.
final class ChildState: Sendable {
    private struct State {
        var reaped = false
        var status: Int32?
        var stderrTail: [String] = []
    }

    let pid: pid_t
    private let state = Mutex(State())
    private let stderrEnded = DispatchSemaphore(value: 0)
    private static let tailLines = 20

    init(pid: pid_t) {
        self.pid = pid
    }

    /// SIGKILL to the child and its process group, unless it was reaped already (its pid could then
    /// name another process). The group holds whatever the handler itself started.
    func kill() {
        state.withLock { state in
            guard !state.reaped else { return }
            _ = Self.signal(-pid, SIGKILL)
            _ = Self.signal(pid, SIGKILL)
        }
    }

    /// After the child's stdout ended: makes sure it is gone, waits for its exit without reaping it
    /// (so `kill` stays safe meanwhile), then reaps it. Waits briefly for stderr's last lines.
    func awaitExit() {
        kill()
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        state.withLock { state in
            var status: Int32 = 0
            if waitpid(pid, &status, 0) == pid {
                state.status = status
            }
            state.reaped = true
        }
        _ = stderrEnded.wait(timeout: .now() + .milliseconds(500))
    }

    func noteStderr(_ line: String) {
        state.withLock { state in
            state.stderrTail.append(line)
            if state.stderrTail.count > Self.tailLines {
                state.stderrTail.removeFirst(state.stderrTail.count - Self.tailLines)
            }
        }
    }

    func noteStderrEnded() {
        stderrEnded.signal()
    }

    /// "exited with status 1", "was killed by signal 9", with stderr's last lines.
    var endDescription: String {
        state.withLock { state in
            var text: String
            switch state.status {
            case .none: text = "ended"
            case .some(let status) where status & 0x7f == 0: text = "exited with status \((status >> 8) & 0xff)"
            case .some(let status): text = "was killed by signal \(status & 0x7f)"
            }
            if !state.stderrTail.isEmpty {
                text += "; its last output:\n" + state.stderrTail.joined(separator: "\n")
            }
            return text
        }
    }

    private static func signal(_ target: pid_t, _ signal: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.kill(target, signal)
        #else
            Darwin.kill(target, signal)
        #endif
    }
}
