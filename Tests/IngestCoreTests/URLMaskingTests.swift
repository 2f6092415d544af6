import IngestCore
import Testing

/// Every message that repeats a broker, catalog or graph-store URL masks its passwords, whatever the
/// scheme, and a value that is not recognisably a URL (a password pasted into the wrong option) is
/// never repeated at all.
@Suite struct URLMaskingTests {
    @Test(arguments: [
        ("http://:pw@host/", "http://:***@host/"),
        ("mysql://u:pw@h/db", "mysql://u:***@h/db"),
        ("redis://secret@host", "redis://***@host"),
        ("postgres://u:p/w?x#y@h:5432/db", "postgres://u:***@h:5432/db"),
        ("postgres://u@h/db?sslmode=require&password=pw", "postgres://***@h/db?sslmode=require&password=***"),
        ("https://h/x?user=a&PassWord=pw&api_token=pw", "https://h/x?user=a&PassWord=***&api_token=***"),
        ("mysql:u:pw@h", "mysql:***@h"),
        ("sqlite:/var/lib/ingest/state.sqlite", "sqlite:/var/lib/ingest/state.sqlite"),
        ("redis://host:6379/0", "redis://host:6379/0"),
    ])
    func passwordsAreMaskedInAnyScheme(_ text: String, _ masked: String) {
        #expect(URLMasking.masked(text) == masked)
        #expect(!URLMasking.masked(text).contains("pw"))
    }

    @Test(arguments: ["hunter2", "pa:ss", "correct horse battery staple", ""])
    func valueThatIsNotAURLIsDescribedWithoutItsText(_ value: String) {
        #expect(!URLMasking.isRecognisable(value))
        let message = IngestError.invalidURL(value, reason: "--catalog takes sqlite:PATH").description
        #expect(value.isEmpty || !message.contains(value), "\(message)")
        #expect(message.contains("\(value.count) characters"))
        #expect(message.contains("--catalog takes sqlite:PATH"))
    }

    @Test func urlIsRepeatedMaskedInErrors() {
        let message = IngestError.invalidURL("mysql://u:pw@h/db", reason: "unknown scheme 'mysql'").description
        #expect(message == "'mysql://u:***@h/db' is not a usable URL: unknown scheme 'mysql'")
    }
}
