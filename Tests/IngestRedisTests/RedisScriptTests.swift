import IngestRedis
import Testing

@Suite struct RedisScriptTests {
    /// Redis names a script by the lower-case hex SHA-1 of its source (what `SCRIPT LOAD` returns).
    @Test(arguments: [
        ("return 1", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ])
    func scriptIsNamedByTheSHA1OfItsSource(_ source: String, _ digest: String) {
        #expect(RedisScript(source).sha1 == digest)
    }
}
