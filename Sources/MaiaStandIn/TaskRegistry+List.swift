import Foundation

/// `GET /v1/ai/agents/tasks?status=&page=&size=&projectId=`: the query, its validation and one page.
extension TaskRegistry {
    /// A list request's query, validated as the OpenAPI describes it.
    struct ListQuery: Equatable {
        var status: String?
        var projectID: String?
        var page = 0
        var size = 20

        /// The query of `target`, or the violations that make it a 400 (`page: …`, `size: …`).
        static func parse(_ target: String) -> Result<ListQuery, ListQueryViolations> {
            var values: [String: String] = [:]
            if let text = target.split(separator: "?", maxSplits: 1).dropFirst().first {
                values = StandInCore.decodeForm(Array(text.utf8)) ?? [:]
            }
            var query = ListQuery(status: values["status"], projectID: values["projectId"])
            var violations: [String] = []
            if let text = values["page"] {
                if let page = Int(text), page >= 0 {
                    query.page = page
                } else {
                    violations.append("page: must be an integer greater than or equal to 0")
                }
            }
            if let text = values["size"] {
                if let size = Int(text), (1...100).contains(size) {
                    query.size = size
                } else {
                    violations.append("size: must be an integer between 1 and 100")
                }
            }
            return violations.isEmpty ? .success(query) : .failure(ListQueryViolations(violations: violations))
        }
    }

    /// Why a list query is refused.
    struct ListQueryViolations: Error, Equatable {
        var violations: [String]
    }

    /// The answer to a list request that passed authentication: 400 for a bad query; the next scripted list answer
    /// unless it is a 2xx; else (within the scripted answer's delay or hold, if any) one page of the known tasks that
    /// match `status` and `projectId`, in ascending order of lower-case `taskId`, with `total` the number matching.
    mutating func list(target: String, now: Date) -> Answer {
        let query: ListQuery
        switch ListQuery.parse(target) {
        case .success(let parsed):
            query = parsed
        case .failure(let refused):
            return Answer(answer: .status(400, detail: "Invalid request.", violations: refused.violations))
        }
        let scripted = self.listScript.isEmpty ? nil : self.listScript.removeFirst()
        if let scripted, !scripted.answersFromRegistry {
            return Answer(answer: scripted)
        }
        self.advanceAll(now: now)
        var matching: [StandInTask] = []
        for key in self.orderedKeys {
            guard let task = self.entries[key]?.task else { continue }
            if let status = query.status, status != task.status { continue }
            if let project = query.projectID, project != task.projectID { continue }
            matching.append(task)
        }
        let (start, overflow) = query.page.multipliedReportingOverflow(by: query.size)
        var items: [String] = []
        if !overflow {
            items = matching.dropFirst(start).prefix(query.size).map { task in
                String(decoding: task.json(summary: true), as: UTF8.self)
            }
        }
        let body = """
            {"tasks":[\(items.joined(separator: ","))],"page":\(query.page),"size":\(query.size),\
            "total":\(matching.count)}
            """
        var answer = Answer(answer: .status(200), body: Array(body.utf8))
        if let scripted {
            answer.answer = scripted.replacingFinal(with: answer.answer)
        }
        return answer
    }
}
