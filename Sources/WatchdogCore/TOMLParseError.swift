/// Why a text is not TOML 1.0, and where: the first mistake in the document.
///
/// Messages say what was expected or which rule was broken ("expected '=' after the key", "the table [api] is
/// defined twice (first at line 3)"). They never repeat a value from the document, which could be a secret; they name
/// keys and single characters only.
struct TOMLParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the mistake is.
    var position: TOMLPosition
    /// What is wrong, without the position.
    var message: String

    /// 1-based.
    var line: Int { position.line }
    /// 1-based.
    var column: Int { position.column }

    var description: String { "\(position): \(message)" }
}
