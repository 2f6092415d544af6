@testable import IngestRedis
import Testing

/// Sorting BoringSSL's error text into what the user must change.
@Suite("Classifying TLS failures")
struct RedisTLSFailureTests {
    @Test func anUntrustedServerCertificateIsTheServers() {
        let text = "sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED])"
        #expect(RedisTLSFailure.classify(text) == .serverCertificateRejected("CERTIFICATE_VERIFY_FAILED"))
    }

    @Test func aCertificateRequiredAlertIsTheClients() {
        let text = "sslError([Error: 268436502 error:1000045c:SSL routines:OPENSSL_internal:TLSV13_ALERT_CERTIFICATE_REQUIRED])"
        #expect(RedisTLSFailure.classify(text) == .clientCertificateRejected("TLSV13_ALERT_CERTIFICATE_REQUIRED"))
    }

    @Test func aClientCertificateOfTheWrongKindIsTheClients() {
        let text = "sslError([Error: 268436501 error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_UNSUPPORTED_CERTIFICATE])"
        #expect(RedisTLSFailure.classify(text) == .clientCertificateRejected("SSLV3_ALERT_UNSUPPORTED_CERTIFICATE"))
    }

    @Test func aPlainTextReplyIsAHandshakeFailure() {
        let text = "sslError([Error: 268435648 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER])"
        #expect(RedisTLSFailure.classify(text) == .handshakeFailed("WRONG_VERSION_NUMBER"))
    }

    @Test func textWithoutReasonCodesIsKeptWhole() {
        #expect(RedisTLSFailure.classify("something odd") == .handshakeFailed("something odd"))
    }
}
