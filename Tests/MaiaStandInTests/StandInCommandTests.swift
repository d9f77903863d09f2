import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

/// The `maia-standin` program: its help, its validation, and preregistered tasks and stop progressions over HTTP.
@Suite("maia-standin program")
struct StandInCommandTests {
    @Test func helpListsTheRegistryOptions() async throws {
        let outcome = try await ChildProcess.run(try StandInProcess.binaryURL(), ["--help"], within: .seconds(30))
        #expect(outcome.status == 0)
        for option in ["--stopped-after-reads <N>", "--stopped-after <SPAN>", "--task <ID[:STATUS]>", "--tasks <N>"] {
            #expect(outcome.standardOutput.contains(option), "missing \(option)")
        }
    }

    @Test(arguments: [
        (["--stopped-after-reads", "1", "--stopped-after", "5s"], "exclude each other"),
        (["--stopped-after", "soon"], "--stopped-after expects a span"),
        (["--stopped-after-reads=-1"], "--stopped-after-reads must be 0 or more"),
        (["--task", "not-a-uuid"], "--task expects ID[:STATUS]"),
        (["--tasks=-3"], "--tasks must be 0 or more"),
    ])
    func badOptionsAreRefused(_ arguments: [String], _ message: String) async throws {
        let outcome = try await ChildProcess.run(try StandInProcess.binaryURL(), arguments, within: .seconds(30))
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains(message), "stderr: \(outcome.standardError)")
    }

    @Test func preregisteredTasksAreListedAndStopsProgressAsTheOptionsSay() async throws {
        let stopped = UUID().uuidString.lowercased()
        let running = UUID().uuidString.lowercased()
        let process = try await StandInProcess.start([
            "--tasks", "150", "--task", "\(stopped):STOPPED", "--task", running, "--stopped-after-reads", "2",
        ])
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = LoopbackClient(http: http, baseURL: process.baseURL)
        let result = await outcome { () async throws in
            var listed: [String] = []
            for page in 0..<2 {
                let answer = try await client.list("status=RUNNING&page=\(page)&size=100")
                #expect(answer.json["total"] as? Int == 151)
                listed += answer.listedIDs
            }
            #expect(listed.count == 151)
            #expect(listed.contains(running))
            #expect(!listed.contains(stopped))
            #expect(try await client.readStatuses(stopped, count: 1) == ["STOPPED"])
            #expect(try await client.stop(stopped).status == 409)
            #expect(try await client.stop(running).status == 204)
            #expect(try await client.readStatuses(running, count: 3) == ["STOPPING", "STOPPING", "STOPPED"])
            // A task not registered is created by its first mention.
            #expect(try await client.readStatuses(UUID().uuidString, count: 1) == ["RUNNING"])
        }
        try await http.shutdown()
        #expect(try await process.terminate() == 0)
        try result.get()
    }

    @Test(arguments: [("0s", "STOPPED"), ("1h", "STOPPING")])
    func stoppedAfterASpanIsMeasuredInRealTime(_ span: String, _ status: String) async throws {
        let process = try await StandInProcess.start(["--stopped-after", span])
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = LoopbackClient(http: http, baseURL: process.baseURL)
        let id = UUID().uuidString.lowercased()
        let result = await outcome { () async throws in
            #expect(try await client.stop(id).status == 204)
            #expect(try await client.readStatuses(id, count: 2) == [status, status])
        }
        try await http.shutdown()
        #expect(try await process.terminate() == 0)
        try result.get()
    }
}

/// The outcome of an async `body`, to tear down before rethrowing.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
