import IngestSPARQL
import Testing

@Suite struct StoreFlavorTests {
    @Test func aFlavourIsReadWhateverItsCase() throws {
        #expect(try StoreFlavor(configured: "Oxigraph") == .oxigraph)
        #expect(try StoreFlavor(configured: "graph-store") == .graphStore)
    }

    @Test func anUnknownFlavourNamesTheAcceptedOnes() {
        #expect(throws: StoreConfigurationError("unknown store type \"blazegraph\"; use one of oxigraph, virtuoso, graph-store, neptune")) {
            try StoreFlavor(configured: "blazegraph")
        }
    }
}
