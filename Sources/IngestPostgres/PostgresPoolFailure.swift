/// What `PostgresPool` itself reports, before the component that owns the pool (the catalog, the
/// graph store) turns it into its own error type with the server's name and what to do.
package enum PostgresPoolFailure: Error, Sendable {
    /// No connection within the wait limit, or a statement got no answer within its time limit.
    case unavailable(reason: String)
    /// The connection broke while a statement ran or before it was sent: the server restarted, or
    /// the network or the server ended the connection. Running the statement (or its whole
    /// transaction) again on a new connection can succeed.
    case connectionLost(reason: String)
    /// A newer Ingest migrated the schema past what this build knows.
    case schemaTooNew(found: Int, known: Int)
}
