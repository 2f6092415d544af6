import Foundation
internal import Yams

// MARK: - Model

/// The kinds of storage resource a configuration file can define.
public enum ResourceType: String, Sendable, Equatable, Codable, CaseIterable {
    /// A directory that Ingest manages: copies land under its `path`.
    case vault
    /// An S3 bucket, reached through `endpoint` with the keys in `credentials`.
    case s3
}

/// One entry of `resources:` in the configuration file.
///
/// Credentials are referenced by file, never inlined, so that a definition can be logged
/// or shown without leaking secrets.
public struct ResourceDefinition: Sendable, Equatable, Codable {
    public var name: String
    public var type: ResourceType
    /// For a vault, the absolute directory it manages, normalised when the configuration is read
    /// (`normalizedPath`); for s3, an optional key prefix inside the bucket.
    public var path: String?
    public var bucket: String?
    public var endpoint: String?
    public var region: String?
    /// A file holding the access keys, read by the worker that uses the resource.
    public var credentials: String?

    public init(
        name: String,
        type: ResourceType,
        path: String? = nil,
        bucket: String? = nil,
        endpoint: String? = nil,
        region: String? = nil,
        credentials: String? = nil
    ) {
        self.name = name
        self.type = type
        self.path = path
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
    }

    /// The catalog's view of this resource.
    ///
    /// An s3 resource is recorded as `s3://bucket/prefix` so that replica rows say where the
    /// bytes are; endpoint, region and credentials stay out of the catalog.
    public var storageResource: StorageResource {
        switch type {
        case .vault:
            return StorageResource(name: name, type: type.rawValue, path: path)
        case .s3:
            // One spelling (`S3Path`: no leading, trailing or doubled `/`), the one `S3Storage.location` has.
            return StorageResource(name: name, type: type.rawValue, path: S3Path(bucket: bucket ?? "", prefix: path ?? "").description)
        }
    }
}

extension ResourceDefinition {
    /// `path` in its one spelling: repeated `/` collapsed, `.` components dropped, no trailing `/`.
    ///
    /// Copies are found by the vault path as a prefix (`VAULT/...`), so `/data/vault/` or
    /// `/data//vault` recorded for a resource would make its copies look like someone else's files:
    /// TRASH would leave them in place and NO_TRASH orphan them. `..` is left as it is (the
    /// configuration refuses it: resolving it by text would disagree with a symbolic link).
    /// - Parameter path: an absolute path; a relative one keeps its leading component.
    /// - Returns: the normalised path; `/` for the root.
    public static func normalizedPath(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = components.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

/// The `logging:` section. Values have the meaning of the `--log_*` options, which override them.
public struct LoggingConfiguration: Sendable, Equatable {
    public var filename: String?
    public var level: String?
    public var when: String?
    public var interval: Int?

    public init(filename: String? = nil, level: String? = nil, when: String? = nil, interval: Int? = nil) {
        self.filename = filename
        self.level = level
        self.when = when
        self.interval = interval
    }
}

/// The contents of `$INGEST_HOME/config.yaml` (or `--config FILE`).
///
/// Every key is optional; flags and environment variables override what is here.
/// Everything is validated when the file is read, so a typo stops the command before it
/// changes anything instead of surfacing later in a worker.
public struct IngestConfiguration: Sendable, Equatable {
    /// What `source` says when no file was read.
    public static let noFileSource = "(no config file)"

    /// The file this came from, for messages.
    public var source: String
    public var broker: String?
    public var catalog: String?
    public var keyPrefix: String?
    public var defaultResource: String?
    public var resources: [ResourceDefinition]
    public var logging: LoggingConfiguration?
    /// `ingest serve`'s tokens and TLS files (the `server:` section).
    public var server = ServerSettings()

    /// An empty configuration: what applies when there is no file.
    public init() {
        source = Self.noFileSource
        resources = []
    }

    /// Parses YAML text.
    /// - Parameters:
    ///   - yaml: the file's contents; empty text (or only comments) is an empty configuration.
    ///   - source: names the file in messages.
    ///   - homeDirectory: what a leading `~/` expands to; the current user's home when nil.
    /// - Throws: `ConfigurationError` naming the key, the file and the line.
    public static func parse(yaml: String, source: String, homeDirectory: String? = nil) throws -> IngestConfiguration {
        let root: Yams.Node?
        do {
            // No regular-expression rules: Yams' default resolver compiles seven ICU expressions
            // (milliseconds at every start-up). The reader tells nulls and numbers apart itself.
            root = try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw ConfigurationError(yamlError: error, source: source)
        }
        let reader = ConfigurationReader(source: source, homeDirectory: homeDirectory ?? currentHomeDirectory())
        return try reader.configuration(from: root)
    }

    /// Loads a configuration file.
    /// - Parameters:
    ///   - path: the file; a leading `~/` is expanded.
    ///   - required: whether a missing file is an error. The default path need not exist,
    ///     but a file named with `--config` must.
    ///   - homeDirectory: what a leading `~/` expands to; the current user's home when nil.
    /// - Returns: the parsed file, or an empty configuration if it is absent and not required.
    /// - Throws: `ConfigurationError.fileNotFound` naming the path, or any parse error.
    public static func load(path: String, required: Bool, homeDirectory: String? = nil) throws -> IngestConfiguration {
        let home = homeDirectory ?? currentHomeDirectory()
        let path = expandingTilde(in: path, homeDirectory: home)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if required { throw ConfigurationError.fileNotFound(path: path) }
            return IngestConfiguration()
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError.unreadableFile(path: path, reason: "it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError.unreadableFile(path: path, reason: "permission denied or I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError.unreadableFile(path: path, reason: "it is not UTF-8 text")
        }
        return try parse(yaml: text, source: path, homeDirectory: home)
    }

    /// The named resource.
    /// - Throws: `ConfigurationError.undefinedResource`, listing the resources that are defined.
    public func resource(named name: String) throws -> ResourceDefinition {
        guard let resource = resources.first(where: { $0.name == name }) else {
            throw ConfigurationError.undefinedResource(name: name, source: source, defined: resources.map(\.name))
        }
        return resource
    }

    /// `HOME` wins over the password database so that tests and containers can redirect it.
    static func currentHomeDirectory() -> String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            return home
        }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    /// Expands `~` and a leading `~/`; `~user/` forms are left alone.
    static func expandingTilde(in path: String, homeDirectory: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        var home = homeDirectory
        while home.count > 1 && home.hasSuffix("/") { home.removeLast() }
        if path == "~" { return home }
        return home == "/" ? String(path.dropFirst(1)) : home + path.dropFirst(1)
    }
}

// MARK: - Errors

/// A configuration file that cannot be used. Each message names the key path
/// (`resources[1].path`, indexes from 0), the file and line, and the fix.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// Where a problem is: the file and, when known, the line (from 1).
    public struct Location: Sendable, Equatable, CustomStringConvertible {
        public var source: String
        public var line: Int?

        public init(source: String, line: Int?) {
            self.source = source
            self.line = line
        }

        public var description: String {
            line.map { "\(source), line \($0)" } ?? source
        }
    }

    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    /// The YAML parser's complaint, with its position when it gave one.
    case malformedYAML(source: String, line: Int?, column: Int?, problem: String)
    case duplicateKey(keys: [String], at: Location)
    case unknownKey(key: String, at: Location, allowed: [String])
    case wrongType(key: String, at: Location, expected: String, found: String)
    case missingKey(key: String, at: Location, reason: String)
    case invalidValue(key: String, value: String, at: Location, reason: String)
    case invalidResourceName(key: String, name: String, at: Location, reason: String)
    case duplicateResourceName(key: String, name: String, at: Location, firstKey: String)
    case unknownResourceType(key: String, type: String, at: Location)
    case relativeVaultPath(key: String, path: String, at: Location)
    /// An s3-only key on a vault resource: almost always a wrong `type`.
    case keyNotApplicable(key: String, type: ResourceType, at: Location)
    case undefinedDefaultResource(name: String, at: Location, defined: [String])
    case undefinedResource(name: String, source: String, defined: [String])

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "configuration file '\(path)' does not exist; create it or pass --config with the path of an existing file"
        case .unreadableFile(let path, let reason):
            return "configuration file '\(path)' cannot be read: \(reason); fix the file or pass --config with another one"
        case .malformedYAML(let source, let line, let column, let problem):
            let position = line.map { line in column.map { "line \(line), column \($0)" } ?? "line \(line)" }
            return "\(source) is not valid YAML\(position.map { " at \($0)" } ?? ""): \(problem); fix the syntax there"
        case .duplicateKey(let keys, let location):
            let names = keys.map { "'\($0)'" }.joined(separator: ", ")
            return "\(location): key \(names) appears more than once in the same section; keep one"
        case .unknownKey(let key, let location, let allowed):
            return "\(location): unknown key '\(key)'; allowed keys there: \(allowed.joined(separator: ", ")); fix its spelling or remove it"
        case .wrongType(let key, let location, let expected, let found):
            return "\(location): '\(key)' must be \(expected), not \(found)"
        case .missingKey(let key, let location, let reason):
            return "\(location): '\(key)' is missing; \(reason)"
        case .invalidValue(let key, let value, let location, let reason):
            return "\(location): '\(key)' is '\(value)', which is not valid: \(reason)"
        case .invalidResourceName(let key, let name, let location, let reason):
            return "\(location): '\(key)' is '\(name)', which is not a usable resource name: \(reason); choose another name"
        case .duplicateResourceName(let key, let name, let location, let firstKey):
            return "\(location): '\(key)' is '\(name)', which '\(firstKey)' already uses; resource names must be unique, rename one"
        case .unknownResourceType(let key, let type, let location):
            let allowed = ResourceType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(location): '\(key)' is '\(type)', which is not a resource type; use one of: \(allowed)"
        case .relativeVaultPath(let key, let path, let location):
            return "\(location): '\(key)' is '\(path)', a relative path; a vault needs an absolute path (or one starting with ~/)"
        case .keyNotApplicable(let key, let type, let location):
            return "\(location): '\(key)' applies only to s3 resources, but this resource is a \(type.rawValue); remove it or set its type to s3"
        case .undefinedDefaultResource(let name, let location, let defined):
            return "\(location): default_resource '\(name)' is not defined\(Self.definedList(defined)); add it under resources or fix the name"
        case .undefinedResource(let name, let source, let defined):
            return "resource '\(name)' is not defined in \(source)\(Self.definedList(defined))"
        }
    }

    private static func definedList(_ names: [String]) -> String {
        names.isEmpty ? "; no resources are defined there" : "; defined: \(names.joined(separator: ", "))"
    }

    /// Keeps the parser's position and problem but drops Yams' multi-line snippets, and for
    /// duplicate keys the whole document that Yams puts in its message.
    init(yamlError error: YamlError, source: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var text = problem
            if let context {
                text += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            self = .malformedYAML(source: source, line: mark.line, column: mark.column, problem: text)
        case .duplicatedKeysInMapping(let duplicates, let context):
            self = .duplicateKey(keys: duplicates, at: Location(source: source, line: context.mark.line))
        case .reader(let problem, let offset, _, _):
            let text = offset.map { "\(problem) at character \($0)" } ?? problem
            self = .malformedYAML(source: source, line: nil, column: nil, problem: text)
        default:
            self = .malformedYAML(source: source, line: nil, column: nil, problem: error.description)
        }
    }
}

// MARK: - Reading the YAML tree

/// Walks the composed YAML tree rather than decoding with `Codable`, because only the tree
/// knows line numbers and can tell an unknown key from a misspelt one.
private struct ConfigurationReader {
    let source: String
    let homeDirectory: String

    private static let topLevelKeys = ["broker", "catalog", "key_prefix", "default_resource", "resources", "logging", "server"]
    private static let serverKeys = ["tokens", "metrics_token", "metrics_token_file", "tls"]
    private static let tokenKeys = ["token", "token_file", "role", "name"]
    private static let tlsKeys = ["certificate", "key"]
    private static let resourceKeys = ["name", "type", "path", "bucket", "endpoint", "region", "credentials"]
    private static let s3OnlyKeys = ["bucket", "endpoint", "region", "credentials"]
    private static let loggingKeys = ["filename", "level", "when", "interval"]

    /// A mapping's entries, by key, after checking every key is allowed.
    private struct Section {
        var entries: [String: (key: Yams.Node, value: Yams.Node)] = [:]
        let path: String

        subscript(key: String) -> Yams.Node? { entries[key]?.value }

        func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    func configuration(from root: Yams.Node?) throws -> IngestConfiguration {
        var configuration = IngestConfiguration()
        configuration.source = source
        guard let root, !isNull(root) else { return configuration }
        let top = try section(root, path: "", expected: "a mapping of configuration keys", allowed: Self.topLevelKeys)
        configuration.broker = try string(top, "broker")
        configuration.catalog = try string(top, "catalog")
        configuration.keyPrefix = try string(top, "key_prefix")
        configuration.defaultResource = try string(top, "default_resource")
        configuration.resources = try resources(top)
        configuration.logging = try logging(top)
        configuration.server = try server(top)
        if let name = configuration.defaultResource, !configuration.resources.contains(where: { $0.name == name }) {
            throw ConfigurationError.undefinedDefaultResource(
                name: name, at: location(top["default_resource"]), defined: configuration.resources.map(\.name))
        }
        return configuration
    }

    private func resources(_ top: Section) throws -> [ResourceDefinition] {
        guard let node = top["resources"], !isNull(node) else { return [] }
        guard case .sequence(let items) = node else {
            throw wrongType("resources", node, expected: "a list of resources (lines starting with '- name:')")
        }
        var definitions: [ResourceDefinition] = []
        var firstUse: [String: String] = [:]
        for (index, item) in items.enumerated() {
            let (definition, nameLocation) = try resource(item, path: "resources[\(index)]")
            let nameKey = "resources[\(index)].name"
            if let earlier = firstUse[definition.name] {
                throw ConfigurationError.duplicateResourceName(key: nameKey, name: definition.name, at: nameLocation, firstKey: earlier)
            }
            firstUse[definition.name] = nameKey
            definitions.append(definition)
        }
        return definitions
    }

    /// - Returns: the definition and where its name is, for the duplicate-name check.
    private func resource(_ node: Yams.Node, path: String) throws -> (ResourceDefinition, ConfigurationError.Location) {
        let entry = try section(node, path: path, expected: "a mapping with at least name and type", allowed: Self.resourceKeys)
        guard let name = try string(entry, "name") else {
            throw ConfigurationError.missingKey(key: entry.keyPath("name"), at: location(node), reason: "every resource needs a name; add `name: ...`")
        }
        try validateResourceName(name, key: entry.keyPath("name"), node: entry["name"])
        guard let typeText = try string(entry, "type") else {
            throw ConfigurationError.missingKey(key: entry.keyPath("type"), at: location(node), reason: "every resource needs a type; add `type: vault` or `type: s3`")
        }
        guard let type = ResourceType(rawValue: typeText) else {
            throw ConfigurationError.unknownResourceType(key: entry.keyPath("type"), type: typeText, at: location(entry["type"]))
        }
        let resourcePath = try string(entry, "path").map(expandingTilde)
        // A vault's path in its one spelling (see `ResourceDefinition.normalizedPath`); an s3 prefix as written.
        var vaultPath = resourcePath
        let bucket = try string(entry, "bucket")
        switch type {
        case .vault:
            guard let resourcePath, !resourcePath.isEmpty else {
                throw ConfigurationError.missingKey(
                    key: entry.keyPath("path"), at: location(node), reason: "a vault needs the absolute path of the directory Ingest manages; add `path: /...`")
            }
            guard resourcePath.hasPrefix("/") else {
                throw ConfigurationError.relativeVaultPath(key: entry.keyPath("path"), path: resourcePath, at: location(entry["path"]))
            }
            if resourcePath.split(separator: "/").contains("..") {
                throw ConfigurationError.invalidValue(
                    key: entry.keyPath("path"), value: resourcePath, at: location(entry["path"]),
                    reason: "it contains '..', which a symbolic link on the way would make mean another directory; write the path without '..'")
            }
            vaultPath = ResourceDefinition.normalizedPath(resourcePath)
            if vaultPath == "/" {
                throw ConfigurationError.invalidValue(
                    key: entry.keyPath("path"), value: resourcePath, at: location(entry["path"]),
                    reason: "a vault cannot be the root directory, where its copies would mix with every other file; give a directory of its own such as /data/vault")
            }
            for key in Self.s3OnlyKeys where entry.entries[key] != nil {
                throw ConfigurationError.keyNotApplicable(key: entry.keyPath(key), type: type, at: location(entry.entries[key]?.key))
            }
        case .s3:
            guard let bucket, !bucket.isEmpty else {
                throw ConfigurationError.missingKey(key: entry.keyPath("bucket"), at: location(node), reason: "an s3 resource needs its bucket's name; add `bucket: ...`")
            }
        }
        let definition = ResourceDefinition(
            name: name,
            type: type,
            path: vaultPath,
            bucket: bucket,
            endpoint: try string(entry, "endpoint"),
            region: try string(entry, "region"),
            credentials: try string(entry, "credentials").map(expandingTilde)
        )
        return (definition, location(entry["name"]))
    }

    /// Names end up in task payloads, catalog rows and command lines, where `/` and blanks
    /// would be ambiguous.
    private func validateResourceName(_ name: String, key: String, node: Yams.Node?) throws {
        let reason: String? =
            if name.isEmpty {
                "it is empty"
            } else if name.contains("/") {
                "it contains '/'"
            } else if name.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) }) {
                "it contains whitespace"
            } else {
                nil
            }
        if let reason {
            throw ConfigurationError.invalidResourceName(key: key, name: name, at: location(node), reason: reason)
        }
    }

    private func logging(_ top: Section) throws -> LoggingConfiguration? {
        guard let node = top["logging"], !isNull(node) else { return nil }
        let entry = try section(node, path: "logging", expected: "a mapping of logging settings", allowed: Self.loggingKeys)
        let configuration = LoggingConfiguration(
            filename: try string(entry, "filename").map(expandingTilde),
            level: try string(entry, "level"),
            when: try string(entry, "when"),
            interval: try integer(entry, "interval")
        )
        if let level = configuration.level, LogSettings.level(named: level) == nil {
            throw ConfigurationError.invalidValue(
                key: entry.keyPath("level"), value: level, at: location(entry["level"]),
                reason: "use one of trace, debug, info, notice, warning, error, critical")
        }
        if let when = configuration.when, !LogSettings.rotationUnits.contains(when.lowercased()) {
            throw ConfigurationError.invalidValue(
                key: entry.keyPath("when"), value: when, at: location(entry["when"]),
                reason: "use one of S, M, H, D, midnight, W0-W6 (as in Python's TimedRotatingFileHandler)")
        }
        if let interval = configuration.interval, !(1...LogSettings.maximumRotationInterval).contains(interval) {
            throw ConfigurationError.invalidValue(
                key: entry.keyPath("interval"), value: String(interval), at: location(entry["interval"]),
                reason: "the log rolls over every `interval` units of `when`, so it must be at least 1 and at most \(LogSettings.maximumRotationInterval)")
        }
        return configuration
    }

    private func server(_ top: Section) throws -> ServerSettings {
        var settings = ServerSettings()
        guard let node = top["server"], !isNull(node) else { return settings }
        let entry = try section(node, path: "server", expected: "a mapping of server settings", allowed: Self.serverKeys)
        if let tokens = entry["tokens"], !isNull(tokens) {
            guard case .sequence(let items) = tokens else {
                throw wrongType("server.tokens", tokens, expected: "a list of tokens (lines starting with '- token:' or '- token_file:', each with a role)")
            }
            for (index, item) in items.enumerated() {
                let path = "server.tokens[\(index)]"
                let token = try section(item, path: path, expected: "a mapping with token (or token_file) and role", allowed: Self.tokenKeys)
                let secret = try secretValue(token, inline: "token", file: "token_file", node: item)
                guard let secret else {
                    throw ConfigurationError.missingKey(
                        key: token.keyPath("token"), at: location(item), reason: "every token needs its value; add `token: ...` or `token_file: /path`")
                }
                guard let roleText = try string(token, "role") else {
                    throw ConfigurationError.missingKey(
                        key: token.keyPath("role"), at: location(item), reason: "say what the token may do: `role: read` or `role: operate`")
                }
                guard let role = ServerSettings.Role(rawValue: roleText) else {
                    throw ConfigurationError.invalidValue(
                        key: token.keyPath("role"), value: roleText, at: location(token["role"]),
                        reason: "use read (look only) or operate (also submit, stop and requeue jobs)")
                }
                settings.tokens.append(ServerSettings.Token(name: try string(token, "name") ?? "token \(index + 1)", secret: secret, role: role))
            }
        }
        settings.metricsToken = try secretValue(entry, inline: "metrics_token", file: "metrics_token_file", node: node)
        if let tlsNode = entry["tls"], !isNull(tlsNode) {
            let tls = try section(tlsNode, path: "server.tls", expected: "a mapping with certificate and key", allowed: Self.tlsKeys)
            guard let certificate = try string(tls, "certificate"), let key = try string(tls, "key") else {
                throw ConfigurationError.missingKey(
                    key: tls.keyPath("certificate"), at: location(tlsNode),
                    reason: "TLS needs both files: `certificate: /path/cert.pem` and `key: /path/key.pem` (PEM)")
            }
            settings.tlsCertificate = expandingTilde(certificate)
            settings.tlsKey = expandingTilde(key)
        }
        return settings
    }

    /// A secret given inline or as a file to read (a Kubernetes secret mounted as a file); a
    /// file's trailing newline is not part of it. Never echoed in messages.
    private func secretValue(_ section: Section, inline: String, file: String, node: Yams.Node) throws -> String? {
        let value = try string(section, inline)
        let path = try string(section, file).map(expandingTilde)
        if value != nil && path != nil {
            throw ConfigurationError.invalidValue(
                key: section.keyPath(file), value: path!, at: location(section[file]), reason: "give \(inline) or \(file), not both")
        }
        if let path {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError.invalidValue(
                    key: section.keyPath(file), value: path, at: location(section[file]), reason: "it is not a readable UTF-8 file; give the path of the file holding the token")
            }
            let secret = text.trimmingCharacters(in: .newlines)
            guard !secret.isEmpty else {
                throw ConfigurationError.invalidValue(key: section.keyPath(file), value: path, at: location(section[file]), reason: "the file is empty")
            }
            return secret
        }
        if let value, value.isEmpty {
            throw ConfigurationError.invalidValue(key: section.keyPath(inline), value: "", at: location(section[inline]), reason: "an empty token would let anyone in; give a long random value")
        }
        return value
    }

    // MARK: Primitives

    private func section(_ node: Yams.Node, path: String, expected: String, allowed: [String]) throws -> Section {
        guard case .mapping(let mapping) = node else {
            throw wrongType(path.isEmpty ? "(top level)" : path, node, expected: expected)
        }
        var section = Section(path: path)
        for (key, value) in mapping {
            let name = key.scalar?.string ?? describe(key)
            guard allowed.contains(name) else {
                throw ConfigurationError.unknownKey(key: section.keyPath(name), at: location(key), allowed: allowed)
            }
            section.entries[name] = (key, value)
        }
        return section
    }

    /// Any scalar is accepted as text (`region: 1` means "1"); null means "not set".
    private func string(_ section: Section, _ key: String) throws -> String? {
        guard let node = section[key], !isNull(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            throw wrongType(section.keyPath(key), node, expected: "a single value")
        }
        return scalar.string
    }

    private func integer(_ section: Section, _ key: String) throws -> Int? {
        guard let node = section[key], !isNull(node) else { return nil }
        guard case .scalar(let scalar) = node, isInteger(scalar), let value = Int.construct(from: scalar) else {
            throw wrongType(section.keyPath(key), node, expected: "a whole number")
        }
        return value
    }

    /// YAML 1.1's null: an explicit `!!null`, or a plain (unquoted) `~`, `null`, `Null`, `NULL` or nothing.
    private func isNull(_ node: Yams.Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        if node.tag.description == Tag.Name.null.rawValue { return true }
        return isPlain(scalar) && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// YAML 1.1's int: an explicit `!!int`, or a plain scalar of its decimal, binary (`0b`), octal
    /// (`0`, `0o`), hexadecimal (`0x`) or sexagesimal (`1:30`) forms, with optional sign and `_` separators.
    private func isInteger(_ scalar: Yams.Node.Scalar) -> Bool {
        if resolvedTag(scalar) == Tag.Name.int.rawValue { return true }
        guard isPlain(scalar) else { return false }
        var text = Substring(scalar.string)
        if let sign = text.first, sign == "-" || sign == "+" { text = text.dropFirst() }
        func all(_ digits: Substring, in allowed: String) -> Bool {
            !digits.isEmpty && digits.allSatisfy { allowed.contains($0) }
        }
        if text.hasPrefix("0b") { return all(text.dropFirst(2), in: "01_") }
        if text.hasPrefix("0x") { return all(text.dropFirst(2), in: "0123456789abcdefABCDEF_") }
        if text.hasPrefix("0o") { return all(text.dropFirst(2), in: "01234567_") }
        if text == "0" { return true }
        if text.hasPrefix("0") { return all(text.dropFirst(), in: "01234567_") }
        guard let first = text.first, ("1"..."9").contains(first) else { return false }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return all(parts[0], in: "0123456789_")
            && parts.dropFirst().allSatisfy { $0.count <= 2 && all($0, in: "0123456789") && ($0.count < 2 || $0.first! <= "5") }
    }

    /// Unquoted and untagged: only such a scalar is resolved by its text.
    private func isPlain(_ scalar: Yams.Node.Scalar) -> Bool {
        scalar.style == .plain && resolvedTag(scalar) == Tag.Name.str.rawValue
    }

    /// A scalar's tag as the node gives it: explicit, or `str` (the basic resolver has no rules).
    private func resolvedTag(_ scalar: Yams.Node.Scalar) -> String {
        Yams.Node.scalar(scalar).tag.description
    }

    private func wrongType(_ key: String, _ node: Yams.Node, expected: String) -> ConfigurationError {
        .wrongType(key: key, at: location(node), expected: expected, found: describe(node))
    }

    private func describe(_ node: Yams.Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func location(_ node: Yams.Node?) -> ConfigurationError.Location {
        ConfigurationError.Location(source: source, line: node?.mark?.line)
    }

    private func expandingTilde(_ path: String) -> String {
        IngestConfiguration.expandingTilde(in: path, homeDirectory: homeDirectory)
    }
}
