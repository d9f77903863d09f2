import MaiaClient
import Testing

@Suite("ProblemDetail")
struct ProblemDetailTests {
    private func decode(_ text: String) -> ProblemDetail? {
        ProblemDetail.decode(Array(text.utf8))
    }

    @Test("a complete body decodes every field")
    func complete() {
        let body = """
            {"type":"https://example.com/problems/conflict","title":"Conflict","status":409,\
            "detail":"Task is not running","instance":"/dpc/v1/x","violations":["a","b"]}
            """
        #expect(
            self.decode(body)
                == ProblemDetail(
                    type: "https://example.com/problems/conflict",
                    title: "Conflict",
                    status: 409,
                    detail: "Task is not running",
                    instance: "/dpc/v1/x",
                    violations: ["a", "b"]
                )
        )
    }

    @Test(
        "malformed bodies give nil",
        arguments: [
            "", "not json", "[1,2]", "\"text\"", "42", "null", "{}", "{\"unrelated\":true}",
            "{\"detail\":\"cut off", "<html><body>502 Bad Gateway</body></html>",
        ]
    )
    func malformed(body: String) {
        #expect(self.decode(body) == nil)
    }

    @Test("a field of the wrong type is dropped, the rest kept")
    func lenientFields() {
        #expect(
            self.decode(#"{"detail":5,"violations":["taskId: bad"],"status":"409"}"#)
                == ProblemDetail(status: 409, violations: ["taskId: bad"])
        )
        #expect(
            self.decode(#"{"detail":"x","violations":[1,2],"status":true,"title":null}"#)
                == ProblemDetail(detail: "x")
        )
    }

    @Test("invalid UTF-8 gives nil")
    func invalidUTF8() {
        #expect(ProblemDetail.decode([0x7B, 0xFF, 0xFE, 0x7D]) == nil)
    }

    @Test("description shows detail and violations")
    func description() {
        let problem = ProblemDetail(title: "Bad Request", detail: "Invalid request.", violations: ["a", "b"])
        #expect(problem.description == "Invalid request. (violations: a; b)")
        #expect(ProblemDetail(title: "Forbidden").description == "Forbidden")
    }
}
