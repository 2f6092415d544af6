import Foundation
import IngestS3
import IngestTesting
import Testing

@Suite struct S3CredentialsTests {
    @Test func aKeypairFileHasTheKeyThenTheSecret() throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("keypair")
        try "AKIDEXAMPLE\r\n  secretvalue  \n".write(toFile: path, atomically: true, encoding: .utf8)
        let credentials = try S3Credentials.keypairFile(path)
        #expect(credentials == S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secretvalue"))
    }

    @Test func aKeypairFileWithOneLineSaysWhatBelongsOnEachLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("keypair")
        try "AKIDEXAMPLE\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: S3CredentialsError.self) { try S3Credentials.keypairFile(path) }
        #expect(error.description.contains(path))
        #expect(error.description.contains("line 2"))
    }

    @Test func aMissingKeypairFileIsNamedWithTheOption() {
        let error = try? #require(throws: S3CredentialsError.self) { try S3Credentials.keypairFile("/nonexistent/keypair") }
        #expect(error?.description.contains("/nonexistent/keypair") == true)
        #expect(error?.description.contains("--s3_keypair") == true)
    }

    @Test func theEnvironmentGivesKeySecretAndToken() throws {
        let credentials = try S3Credentials.environment([
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])
        #expect(credentials == S3Credentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func aMissingSecretVariableIsNamed() {
        let error = try? #require(throws: S3CredentialsError.self) { try S3Credentials.environment(["AWS_ACCESS_KEY_ID": "AKID"]) }
        #expect(error == .missingEnvironment(missing: ["AWS_SECRET_ACCESS_KEY"]))
    }

    @Test func theDescriptionNeverShowsTheSecretOrToken() {
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "TOPSECRET", sessionToken: "TOKENVALUE")
        for text in [credentials.description, "\(credentials)", String(reflecting: credentials)] {
            #expect(text.contains("AKID"))
            #expect(!text.contains("TOPSECRET"))
            #expect(!text.contains("TOKENVALUE"))
        }
    }
}
