import Synchronization
import Testing
import Transport

/// An actor pinned to a loop, and tasks that prefer a loop, run there.
struct EventLoopExecutorTests {
    actor Pinned {
        let loop: EventLoop
        nonisolated var unownedExecutor: UnownedSerialExecutor { self.loop.asUnownedSerialExecutor() }
        init(loop: EventLoop) { self.loop = loop }

        func onLoop() -> Bool { self.loop.inLoop }
        /// What the session does: actor state on the loop, a nonisolated async use case in between.
        func callsNonisolatedCode() async -> (Bool, Bool) {
            let during = await EventLoopExecutorTests.whereAmI(self.loop)
            return (during, self.loop.inLoop)
        }
        func counter(_ value: Int) -> Int { value + 1 }
    }

    nonisolated static func whereAmI(_ loop: EventLoop) async -> Bool {
        await Task.yield()
        return loop.inLoop
    }

    @Test func anActorPinnedToALoopRunsOnIt() async throws {
        let loop = try EventLoop(index: 7)
        loop.start()
        defer { loop.stopAndJoin() }
        let pinned = Pinned(loop: loop)
        #expect(await pinned.onLoop())
        var total = 0
        for i in 0..<1000 { total += await pinned.counter(i) }
        #expect(total == 500_500)
    }

    @Test func aTaskThatPrefersALoopRunsItsNonisolatedCodeThere() async throws {
        let loop = try EventLoop(index: 8)
        loop.start()
        defer { loop.stopAndJoin() }
        let onLoop = await Task(executorPreference: loop) { await Self.whereAmI(loop) }.value
        #expect(onLoop)
        let elsewhere = await Task { await Self.whereAmI(loop) }.value
        #expect(!elsewhere)
    }

    @Test func anActorOnALoopKeepsNonisolatedCallsOnItWhenItsTaskPrefersTheLoop() async throws {
        let loop = try EventLoop(index: 10)
        loop.start()
        defer { loop.stopAndJoin() }
        let pinned = Pinned(loop: loop)
        let (during, after) = await Task(executorPreference: loop) { await pinned.callsNonisolatedCode() }.value
        #expect(during && after)
    }

    @Test func assumeIsolatedWorksFromTheLoopsOwnCallbacks() async throws {
        let loop = try EventLoop(index: 9)
        loop.start()
        defer { loop.stopAndJoin() }
        let pinned = Pinned(loop: loop)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            loop.execute { continuation.resume(returning: pinned.assumeIsolated { $0.counter(41) }) }
        }
        #expect(result == 42)
    }
}
