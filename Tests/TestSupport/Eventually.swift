import Synchronization

/// Waits until `condition` holds, checking it every 2 ms; false after the timeout. For conditions the test cannot be
/// told about directly (a count another thread moves); the test fails on false, it never passes by waiting.
package func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

/// A counter that tasks and callbacks share in a test (an `Atomic` cannot be captured by an escaping closure).
package final class SharedCount: Sendable {
    private let count = Atomic<Int>(0)

    package init() {}

    package func increment() { self.count.wrappingAdd(1, ordering: .relaxed) }
    package var value: Int { self.count.load(ordering: .relaxed) }
}
