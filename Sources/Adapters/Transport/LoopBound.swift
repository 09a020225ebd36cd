/// Carries a loop-confined reference through a `@Sendable` closure that will run on that same loop.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
