/// Carries live events to the connections that should see them, on this process or on others.
///
/// Publishing happens after the change is stored; a subscriber that misses an event (a process restart) is made
/// whole by catch-up, because every stored change also raised the room's `rev`.
package protocol RoomEventBus: Sendable {
    func publish(_ event: LiveEvent) async
    /// Registers a handler for every event published from now on, by any process. The handler must not block.
    func subscribe(_ handler: @escaping @Sendable (LiveEvent) -> Void) async
}
