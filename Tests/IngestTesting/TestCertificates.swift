import Foundation

/// A throwaway certificate authority with a server and a client certificate, made with the
/// `openssl` command for one test, plus a second, unrelated CA whose trust must not be
/// enough to accept the server.
///
/// Made fresh rather than checked in so that nothing in the repository is a private key and
/// nothing expires under the tests. EC P-256 keys keep generation to milliseconds.
public final class TestCertificates: Sendable {
    /// The PEM files.
    public let caCertificate: String
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String
    /// A client certificate signed by ``otherCACertificate``, which the server does not trust.
    public let untrustedClientCertificate: String
    public let untrustedClientKey: String
    /// A CA that signed nothing the server presents.
    public let otherCACertificate: String
    private let directory: TemporaryDirectory

    /// Makes the CAs and certificates. The server certificate names `127.0.0.1` (an IP
    /// address SAN) and `localhost`, unless `serverNames` says otherwise.
    /// - Parameter serverNames: Subject alternative names, in openssl's `IP:...`/`DNS:...` form.
    public init(serverNames: [String] = ["IP:127.0.0.1", "DNS:localhost"]) throws {
        let directory = try TemporaryDirectory(prefix: "ingest-tls")
        self.directory = directory
        func file(_ name: String) -> String { directory.subpath(name) }
        caCertificate = file("ca.crt")
        serverCertificate = file("server.crt")
        serverKey = file("server.key")
        clientCertificate = file("client.crt")
        clientKey = file("client.key")
        otherCACertificate = file("other-ca.crt")
        untrustedClientCertificate = file("untrusted-client.crt")
        untrustedClientKey = file("untrusted-client.key")

        try Self.makeCA(name: "Ingest Test CA", certificate: caCertificate, key: file("ca.key"))
        try Self.makeCA(name: "Ingest Other CA", certificate: otherCACertificate, key: file("other-ca.key"))
        try Self.makeLeaf(
            name: "localhost", certificate: serverCertificate, key: serverKey, ca: caCertificate, caKey: file("ca.key"),
            extensions: "subjectAltName=\(serverNames.joined(separator: ","))\nextendedKeyUsage=serverAuth\n",
            directory: directory)
        try Self.makeLeaf(
            name: "ingest-worker", certificate: clientCertificate, key: clientKey, ca: caCertificate, caKey: file("ca.key"),
            extensions: "extendedKeyUsage=clientAuth\n", directory: directory)
        try Self.makeLeaf(
            name: "intruder", certificate: untrustedClientCertificate, key: untrustedClientKey, ca: otherCACertificate,
            caKey: file("other-ca.key"), extensions: "extendedKeyUsage=clientAuth\n", directory: directory)
    }

    private static func makeCA(name: String, certificate: String, key: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
            "-out", certificate, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private static func makeLeaf(
        name: String, certificate: String, key: String, ca: String, caKey: String, extensions: String,
        directory: TemporaryDirectory
    ) throws {
        let request = certificate + ".csr"
        let extensionFile = certificate + ".ext"
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", request,
            "-subj", "/CN=\(name)",
        ])
        try Data(("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" + extensions).utf8)
            .write(to: URL(fileURLWithPath: extensionFile))
        try openssl([
            "x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate,
            "-days", "2", "-extfile", extensionFile,
        ])
        // redis-server may run as another user in some setups; the keys are throwaway.
        chmod(key, 0o644)
    }

    /// Runs `openssl ARGS`, throwing with its output when it fails.
    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try ChildProcesses.launch(process)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupFailed(description: "openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }

    private static func executable() throws -> String {
        for candidate in ["/usr/bin/openssl", "/usr/local/bin/openssl"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestSetupFailed(description: "openssl is not installed: apt-get install openssl (scripts/test installs it)")
    }
}

/// A test's own setup (a certificate, a server) could not be made; says what failed and how to fix it.
public struct TestSetupFailed: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
