import Foundation
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("Policy reload")
struct PolicyReloadTests {
    @Test func validPolicyIsSwappedInAndInvalidOneRefused() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            _ = try await h.watch(id)
            let reloader = PolicyReloadService(
                path: h.policyPath, forceDryRun: false, enforcer: h.enforcer, notifier: h.notifier,
                logger: h.logs.logger())

            try "max_runtime = \"10min\"\nallow = [\"*\"]\n".write(
                toFile: h.policyPath, atomically: true, encoding: .utf8)
            await reloader.reload()
            #expect(await h.enforcer.policy.maxRuntime == .finite(.seconds(600)))
            #expect(await h.record(id)?.deadline == h.clock.now().addingTimeInterval(600))
            // The endpoint is kept until a restart.
            #expect(await h.enforcer.policy.api.baseURL == h.standIn.baseURL)

            try "max_runtime = \"ten minutes\"\n".write(toFile: h.policyPath, atomically: true, encoding: .utf8)
            await reloader.reload()
            #expect(await h.enforcer.policy.maxRuntime == .finite(.seconds(600)))
            #expect(h.logs.events("policy_rejected").count == 2)

            let messages = h.notifier.messages
            #expect(messages.count == 4)
            #expect(messages[0].first == "RELOADING=1")
            #expect(messages[0].count == 2 && messages[0][1].hasPrefix("MONOTONIC_USEC="))
            #expect(messages[1].first == "READY=1")
            #expect(messages[1].last?.hasPrefix("STATUS=policy reloaded") == true)
            #expect(messages[2].first == "RELOADING=1")
            #expect(
                messages[3] == [
                    "READY=1", "STATUS=new policy refused (2 problems); keeping the previous policy; see the journal",
                ])
        }
    }

    @Test func reloadCannotTurnDryRunOff() async throws {
        try await Harness.with(policy: Harness.policy { $0.dryRun = true }) { h in
            let reloader = PolicyReloadService(
                path: h.policyPath, forceDryRun: false, enforcer: h.enforcer, notifier: h.notifier,
                logger: h.logs.logger())
            try "allow = [\"*\"]\ndry_run = false\n".write(toFile: h.policyPath, atomically: true, encoding: .utf8)
            await reloader.reload()
            #expect(await h.enforcer.policy.dryRun)
            #expect(h.notifier.messages.last?.last?.hasPrefix("STATUS=new policy refused") == true)
        }
    }
}
