import Foundation
import IngestCore
@testable import IngestSync
import Testing

/// Round-trip cost of `decide`, printed, not asserted (timing depends on the machine). Run with
/// `INGEST_PYTHON_BENCH=1 swift test --filter PythonPolicyBenchmark` (a release build: `-c release`).
@Suite struct PythonPolicyBenchmarkTests {
    typealias Fixture = PythonPolicyFixture

    @Test(.enabled(if: ProcessInfo.processInfo.environment["INGEST_PYTHON_BENCH"] != nil))
    func decideRoundTrips() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import Operation
            class event_handler(Core):
                @staticmethod
                def operation(session, meta, **options):
                    return Operation.PUT_SYNC if meta["path"].endswith(".txt") else Operation.REGISTER_SYNC
            """)
        for (size, runs) in [(50, 400), (1000, 60)] {
            let entries = (0..<size).map { Fixture.file("some/directory/file\($0).\($0 % 2 == 0 ? "txt" : "bin")") }
            for _ in 0..<5 {
                _ = try await policy.decide(entries, job: Fixture.job)
            }
            var samples: [Duration] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                let decisions = try await policy.decide(entries, job: Fixture.job)
                samples.append(.now - start)
                #expect(decisions.count == size)
            }
            samples.sort()
            let median = samples[samples.count / 2]
            let seconds = Double(median.components.attoseconds) / 1e18 + Double(median.components.seconds)
            print("decide \(size) entries: median \(median), p10 \(samples[runs / 10]), p90 \(samples[runs * 9 / 10]), \(Int(Double(size) / seconds)) entries/s")
        }
        await policy.shutdown()
    }
}
