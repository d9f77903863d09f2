import WatchdogProtocol

/// Where a value sits in the policy, written the way TOML writes keys: `api.base_url`, `allow[1]`,
/// `limits."not a uuid"`.
struct PolicyKeyPath: Hashable, CustomStringConvertible {
    enum Component: Hashable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    init(_ keys: String...) {
        components = keys.map(Component.key)
    }

    func appending(_ key: String) -> PolicyKeyPath {
        var path = self
        path.components.append(.key(key))
        return path
    }

    func appending(index: Int) -> PolicyKeyPath {
        var path = self
        path.components.append(.index(index))
        return path
    }

    /// The keys alone, to find the line in the parsed file: an array element is found at its array's key.
    var keys: [String] {
        components.compactMap { component in
            if case .key(let key) = component { return key }
            return nil
        }
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += Self.render(key: key)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// A bare key when TOML allows one (`[A-Za-z0-9_-]+`), else a quoted key.
    static func render(key: String) -> String {
        let isBare = !key.isEmpty && key.utf8.allSatisfy(TOMLParser.isBareKeyByte)
        return isBare ? key : quotedForMessage(key, limit: .max)
    }
}
