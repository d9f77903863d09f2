import FoundationEssentials
import WatchdogProtocol

extension GlobalOptions {
    /// Sends `request` to the daemon, prints its answer (verbatim with `--json`, for people
    /// otherwise) and throws when the daemon refused or could not be reached. `state` is the
    /// filter of a `list`, for the text shown when no task matches.
    func perform(_ request: RequestLine, listing state: TaskState? = nil) throws(ControlClientError) {
        let path = socketPath
        let client = ControlSocketClient(path: path, timeout: timeoutDuration)
        let bytes: [UInt8]
        do {
            bytes = try client.exchange(request.text)
        } catch {
            throw .unreachable(path: path, reason: error, timeout: timeout)
        }
        guard let line = String(validating: bytes, as: UTF8.self) else {
            throw .unusableResponse(path: path, reason: "it is not UTF-8 text")
        }
        let response: ControlReply
        do {
            response = try JSONDecoder().decode(ControlReply.self, from: Data(bytes))
        } catch {
            throw .unusableResponse(
                path: path, reason: "it is not a JSON object with a boolean \"ok\": \(line.prefix(200))")
        }
        if json {
            print(line)
        }
        guard response.ok else {
            throw .refused(code: response.error ?? "unknown_error", message: response.message ?? "")
        }
        if !json {
            guard let text = OutputRenderer.render(response, for: request.answer, listing: state) else {
                throw .unusableResponse(path: path, reason: "it lacks the \(request.answer.rawValue) field")
            }
            print(text)
        }
    }
}
