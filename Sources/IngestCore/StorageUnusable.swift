/// An error after which retrying cannot help: the storage a process opened is gone from under it
/// (its file was removed or replaced). A worker stops claiming and exits with it, rather than
/// retrying forever against storage nobody else sees; the message says how to recover.
public protocol StorageUnusable: Error, CustomStringConvertible {}
