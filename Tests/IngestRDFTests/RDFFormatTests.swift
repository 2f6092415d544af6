import IngestRDF
import Testing

@Suite struct RDFFormatTests {
    @Test(arguments: [
        ("release.nq", RDFFormat.nQuads), ("OUT.NT", .nTriples), ("data.ttl.gz", .turtle), ("a.b.nq.gz", .nQuads),
    ])
    func aFileNameNamesItsFormat(_ name: String, _ format: RDFFormat) {
        #expect(RDFFormat(fileName: name) == format)
    }

    @Test(arguments: ["rdfox.log", "nq", "data.json", ".gz"])
    func otherFileNamesNameNoFormat(_ name: String) {
        #expect(RDFFormat(fileName: name) == nil)
    }

    @Test func aContentTypeWithParametersNamesItsFormat() {
        #expect(RDFFormat(mediaType: "Text/Turtle; charset=utf-8") == .turtle)
        #expect(RDFFormat(mediaType: "application/json") == nil)
    }
}
