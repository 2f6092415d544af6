/// Helpers for catalog paths (`/zone/home/user/coll/name`): always absolute, `/`-separated,
/// no empty, `.` or `..` segments, no trailing slash.
public enum LogicalPath {
    /// Returns the canonical form of an absolute catalog path, or a reason it is not one.
    public static func normalize(_ path: String) -> Result<String, IngestError> {
        guard path.hasPrefix("/") else {
            return .failure(.invalidTarget(path: path, reason: "it is relative; give an absolute catalog path such as /tempZone/home/rods/data"))
        }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                return .failure(.invalidTarget(path: path, reason: "it contains '..'; give the path without it"))
            }
            segments.append(segment)
        }
        guard !segments.isEmpty else {
            return .failure(.invalidTarget(path: path, reason: "it is the catalog root; give a collection below it such as /tempZone/home/rods/data"))
        }
        return .success("/" + segments.joined(separator: "/"))
    }

    public static func parent(of path: String) -> String? {
        guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func join(_ collection: String, _ name: String) -> String {
        collection == "/" ? "/" + name : collection + "/" + name
    }

    /// The path and every ancestor below the root, shortest first: `/a/b` gives `/a`, `/a/b`.
    public static func lineage(of path: String) -> [String] {
        var result: [String] = []
        var current: String? = path
        while let p = current, p != "/" {
            result.append(p)
            current = parent(of: p)
        }
        return result.reversed()
    }
}
